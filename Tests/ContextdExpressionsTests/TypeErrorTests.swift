import ContextdEvents
import ContextdExpressions
import Testing

/// Mistakes caught when rules load, with the exact words an operator reads and where.
@Suite struct TypeErrorTests {
    let harness = Harness()

    struct Case: Sendable, CustomTestStringConvertible {
        var source: String
        var message: String
        /// The text the diagnostic points at (its first occurrence in `source`).
        var at: String
        var suggestion: String? = nil

        var testDescription: String { source }
    }

    @Test(arguments: [
        Case(
            source: "context.balance.amout > 100",
            message: "unknown field 'amout' on context.balance; did you mean 'amount'?",
            at: "amout",
            suggestion: "amount"
        ),
        Case(
            source: "evnt.data.amount > 1",
            message: "unknown identifier 'evnt'; did you mean 'event'?",
            at: "evnt",
            suggestion: "event"
        ),
        Case(
            source: "sizee(numbers) > 1",
            message: "unknown function 'sizee'; did you mean 'size'?",
            at: "sizee",
            suggestion: "size"
        ),
        Case(
            source: "distnace_km(1, 2, 3, 4)",
            message: "unknown function 'distnace_km'; did you mean 'distance_km'?",
            at: "distnace_km",
            suggestion: "distance_km"
        ),
        Case(
            source: "event.tyep == 'x'",
            message: "unknown field 'tyep' on event; did you mean 'type'?",
            at: "tyep",
            suggestion: "type"
        ),
        Case(
            source: "event.colour",
            message: "unknown field 'colour' on event; its fields are data, id, subject, time, type",
            at: "colour"
        ),
        Case(source: "banana + 1", message: "unknown identifier 'banana'", at: "banana"),
        Case(
            source: "Event.id",
            message: "unknown identifier 'Event'; did you mean 'event'?",
            at: "Event",
            suggestion: "event"
        ),
        Case(source: "\"a\" - 1", message: "cannot apply '-' to string and number", at: "\"a\" - 1"),
        Case(source: "event.time > 5", message: "cannot compare timestamp with number", at: "event.time > 5"),
        Case(source: "size(3)", message: "argument 1 of 'size' must be a string, list or map, not number", at: "3"),
        Case(source: "event.data.city == 3", message: "cannot compare string with number", at: "event.data.city == 3"),
        Case(source: "round(1, 2, 3)", message: "'round' takes 1 or 2 arguments, got 3", at: "round"),
        Case(source: "lower()", message: "'lower' takes 1 argument, got 0", at: "lower"),
        Case(source: "distance_km(1, 2, 3)", message: "'distance_km' takes 2 or 4 arguments, got 3", at: "distance_km"),
        Case(
            source: "event.time + event.time",
            message: "cannot apply '+' to timestamp and timestamp",
            at: "event.time + event.time"
        ),
        Case(source: "!event.id", message: "'!' needs a bool, not string", at: "!event.id"),
        Case(source: "-event.id", message: "cannot apply '-' to string", at: "-event.id"),
        Case(
            source: "event.data.amount && true",
            message: "'&&' needs bool values, not number",
            at: "event.data.amount"
        ),
        Case(source: "now ? 1 : 2", message: "the condition of '?' must be bool, not timestamp", at: "now"),
        Case(
            source: "true < false",
            message: "cannot order values of type bool; only numbers, strings, timestamps and durations have an order",
            at: "true < false"
        ),
        Case(source: "'a' in 'abc'", message: "'in' needs a list or map on its right, not string", at: "'a' in 'abc'"),
        Case(source: "now.year", message: "cannot read field 'year' of timestamp", at: "year"),
        Case(source: "numbers['a']", message: "a list index must be a number, not string", at: "'a'"),
        Case(source: "numbers(1)", message: "'numbers' is not a function", at: "numbers"),
        Case(
            source: "matches(event.id, event.type)",
            message: "the pattern of 'matches' must be a string literal, like matches(s, '^[0-9]+$')",
            at: "event.type"
        ),
        Case(source: "has(event)", message: "'has' needs a field to test, like has(event.data.lat)", at: "event"),
        Case(
            source: "max(1, now)",
            message:
                "the arguments of 'max' must all be numbers, all timestamps or all durations, not number and timestamp",
            at: "now"
        ),
        Case(
            source: "sum(['a'])",
            message: "'sum' needs a list of numbers or durations, not list(string)",
            at: "['a']"
        ),
        Case(source: #"{'a': 1, "a": 2}"#, message: "duplicate key 'a' in map", at: "\"a\""),
        Case(source: "{'lat': 1}.lon", message: "unknown field 'lon' on {'lat': 1}; its fields are lat", at: "lon"),
        Case(
            source: "[1, 2] == ['a']",
            message: "cannot compare list(number) with list(string)",
            at: "[1, 2] == ['a']"
        ),
    ])
    func typeError(_ example: Case) {
        let diagnostics = harness.diagnostics(example.source)
        #expect(diagnostics.map(\.message) == [example.message])
        #expect(diagnostics.first?.range == range(of: example.at, in: example.source))
        #expect(diagnostics.first?.suggestion == example.suggestion)
    }

    @Test func anInvalidRegularExpressionIsACompileError() {
        let source = "matches(event.id, '[unclosed')"
        let diagnostics = harness.diagnostics(source)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.hasPrefix("invalid regular expression '[unclosed'") == true)
        #expect(diagnostics.first?.range == range(of: "'[unclosed'", in: source))
    }

    @Test func everyErrorIsReportedNotJustTheFirst() {
        let source = "evnt.time > 5 && size(3) == 1 || context.balance.amout > '100'"
        let diagnostics = harness.diagnostics(source)
        #expect(
            diagnostics.map(\.message) == [
                "unknown identifier 'evnt'; did you mean 'event'?",
                "argument 1 of 'size' must be a string, list or map, not number",
                "unknown field 'amout' on context.balance; did you mean 'amount'?",
            ]
        )
        #expect(diagnostics.map(\.range.start) == [0, 22, 49])
    }

    @Test func dynamicValuesAreAcceptedEverywhere() {
        for source in [
            "x.a + 1 > 0", "x.s < 'z'", "x.n == 5", "size(x.list)", "x.when - now", "x.list.map(e, e * 2)",
            "x.a in [1, 2]",
        ] {
            #expect(harness.diagnostics(source).isEmpty, "\(source)")
        }
    }

    @Test(arguments: [
        ("x.a + 1", ValueType.number),
        ("event.time - duration('1h')", .timestamp),
        ("now - event.time", .duration),
        ("duration('1h') / duration('1m')", .number),
        ("x.a - x.a", .dyn),
        ("[1, 2] + [3]", .list(.number)),
        ("true ? 1 : 'a'", .dyn),
        ("true ? 1 : null", .number),
        ("context.balance", .record(Harness.balanceType)),
        ("context.last_location.lat", .dyn),
        ("event.data.whatever", .dyn),
        ("payments[0].due", .timestamp),
        ("min(numbers)", .number),
        ("keys(x)", .list(.string)),
        ("x.n ?? 1", .dyn),
        ("null ?? 'text'", .string),
    ])
    func staticTypes(source: String, type: ValueType) throws {
        #expect(try harness.compile(source).get().type == type)
    }
}
