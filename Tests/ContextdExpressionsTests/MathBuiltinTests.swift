import ContextdEvents
import ContextdExpressions
import Testing

@Suite struct MathBuiltinTests {
    let harness = Harness()

    @Test(arguments: [
        ("abs(-3)", Value.number(3)),
        ("abs(duration('-2h'))", .duration(.hours(2))),
        ("floor(2.7)", .number(2)),
        ("floor(-2.2)", .number(-3)),
        ("ceil(2.1)", .number(3)),
        ("round(2.5)", .number(3)),
        ("round(-2.5)", .number(-3)),
        ("round(2.4)", .number(2)),
        ("round(2.675, 2)", .number(2.68)),
        ("round(1234.5678, 1)", .number(1234.6)),
        ("sqrt(16)", .number(4)),
        ("log(1)", .number(0)),
        ("exp(0)", .number(1)),
        ("pow(2, 10)", .number(1024)),
        ("clamp(150, 0, 100)", .number(100)),
        ("clamp(-5, 0, 100)", .number(0)),
        ("clamp(42, 0, 100)", .number(42)),
        ("sigmoid(0)", .number(0.5)),
        ("min(3, 1, 2)", .number(1)),
        ("max(3, 1, 2)", .number(3)),
        ("min(numbers)", .number(1)),
        ("numbers.max()", .number(3)),
        ("max([])", .null),
        ("min(event.time, now) == event.time", .bool(true)),
        ("max(duration('1h'), duration('2h'))", .duration(.hours(2))),
        ("max(hours_between(event.time, now), 1 / 60)", .number(80.0 / 60)),
    ])
    func math(source: String, expected: Value) {
        #expect(harness.value(source) == expected)
    }

    @Test(arguments: [
        ("log(2.718281828459045)", 1.0),
        ("exp(1)", 2.718281828459045),
        ("sigmoid(2)", 0.8807970779778823),
        ("sigmoid(-2)", 0.11920292202211755),
        ("pow(2, 0.5)", 1.4142135623730951),
    ])
    func transcendental(source: String, expected: Double) throws {
        let value = try #require(harness.value(source)?.numberValue)
        #expect(abs(value - expected) < 1e-12)
    }

    @Test(arguments: [
        ("sqrt(x.a - 2)", "'sqrt' is not defined for a negative number (-1)"),
        ("log(x.zero)", "'log' is not defined for zero or a negative number (0)"),
        ("clamp(1, 10, x.a)", "'clamp' needs its lower bound 10 at most its upper bound 1"),
        ("round(1.5, x.a / 2)", "argument 2 of 'round' must be a whole number from 0 to 15, not 0.5"),
        ("max(1, x.s)", "argument 2 of 'max' must be a number, timestamp or duration, not string"),
        ("min([1, event.time])", "cannot compare timestamp with number"),
    ])
    func domainErrors(source: String, message: String) {
        let failure = harness.failure(source)
        #expect(failure?.message == message)
        #expect(failure?.range == SourceRange(start: 0, end: source.utf8.count))
    }
}
