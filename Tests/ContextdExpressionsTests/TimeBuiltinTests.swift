import ContextdEvents
import ContextdExpressions
import Testing

@Suite struct TimeBuiltinTests {
    let harness = Harness()

    @Test(arguments: [
        ("duration('12h')", Value.duration(.hours(12))),
        ("duration('1h30m')", .duration(.minutes(90))),
        ("duration('7d')", .duration(.days(7))),
        ("duration(duration('1s'))", .duration(.seconds(1))),
        ("timestamp('2026-11-22T10:40:00+01:00')", .timestamp(Harness.time("2026-11-22T09:40:00Z"))),
        ("date('2026-11-22')", .timestamp(Harness.time("2026-11-22T00:00:00Z"))),
        ("date(event.time)", .timestamp(Harness.time("2026-11-22T00:00:00Z"))),
        ("event.time.date()", .timestamp(Harness.time("2026-11-22T00:00:00Z"))),
        ("date(timestamp('1969-12-31T23:00:00Z'))", .timestamp(Harness.time("1969-12-31T00:00:00Z"))),
        ("hours(duration('90m'))", .number(1.5)),
        ("minutes(duration('1h30m'))", .number(90)),
        ("days(duration('36h'))", .number(1.5)),
        ("seconds(duration('2m'))", .number(120)),
        ("(now - event.time).minutes()", .number(80)),
        ("hours_between(event.time, now)", .number(80.0 / 60)),
        ("hours_between(now, event.time)", .number(-80.0 / 60)),
        ("days_until(date('2026-11-27'), now)", .number(4.5)),
        ("payments[0].due.days_until(now)", .number(8.5)),
        ("date('2026-11-27') - duration('5d') == date('2026-11-22')", .bool(true)),
    ])
    func time(source: String, expected: Value) {
        #expect(harness.value(source) == expected)
    }

    @Test(arguments: [
        ("duration('12x')", "invalid duration '12x'; write it like 90m, 12h, 7d or 1h30m"),
        ("duration('')", "invalid duration ''; write it like 90m, 12h, 7d or 1h30m"),
        (
            "timestamp('2026-13-01T00:00:00Z')",
            "invalid timestamp '2026-13-01T00:00:00Z'; write it in RFC 3339, like 2026-11-22T10:40:00Z"
        ),
        ("date('2026-02-30')", "invalid date '2026-02-30'; write it like 2026-11-22"),
        ("double('twelve')", "cannot read 'twelve' as a number"),
    ])
    func invalidLiteralsAreCompileErrors(source: String, message: String) {
        let diagnostics = harness.diagnostics(source)
        #expect(diagnostics.map(\.message) == [message])
        #expect(diagnostics.first?.range == SourceRange(start: 0, end: source.utf8.count))
    }

    @Test func invalidTextAtRunTimeIsAnEvaluationError() {
        let failure = harness.failure("duration(x.s)")
        #expect(failure?.message == "invalid duration 'text'; write it like 90m, 12h, 7d or 1h30m")
        #expect(failure?.code == .invalidArgument)
        #expect(failure?.range == SourceRange(start: 0, end: 13))
    }

    @Test func literalDurationsAreFoldedAtCompileTime() throws {
        let compiled = try harness.compile("duration('3h') + duration('30m')").get()
        #expect(compiled.constantValue == .duration(.minutes(210)))
        #expect(compiled.type == .duration)
    }
}
