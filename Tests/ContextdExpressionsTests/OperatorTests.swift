import ContextdEvents
import ContextdExpressions
import Testing

@Suite struct OperatorTests {
    let harness = Harness()

    @Test(arguments: [
        ("500", Value.number(500)),
        ("0.5", .number(0.5)),
        ("1e3", .number(1000)),
        ("2.5E-1", .number(0.25)),
        ("-7", .number(-7)),
        (#""double \"quoted\"""#, .string(#"double "quoted""#)),
        (#"'single \'quoted\''"#, .string("single 'quoted'")),
        (#""tab\tnew\nline\\""#, .string("tab\tnew\nline\\")),
        (#"'\d+'"#, .string(#"\d+"#)),
        (#"r'\n'"#, .string(#"\n"#)),
        (#""caf\u00e9 \ud800 \u12""#, .string("café \u{FFFD} \\u12")),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("null", .null),
        ("[1, 'a', null]", .list([.number(1), .string("a"), .null])),
        ("[]", .list([])),
        ("[1, 2,]", .list([.number(1), .number(2)])),
        (#"{"lat": 1, lon: 2}"#, .object(["lat": .number(1), "lon": .number(2)])),
        ("{}", .object([:])),
    ])
    func literals(source: String, expected: Value) {
        #expect(harness.value(source) == expected)
    }

    @Test(arguments: [
        ("1 + 2", Value.number(3)),
        ("'con' + 'cat'", .string("concat")),
        ("[1] + [2, 3]", .list([.number(1), .number(2), .number(3)])),
        ("7 - 10", .number(-3)),
        ("6 * 7", .number(42)),
        ("7 / 2", .number(3.5)),
        ("7 % 3", .number(1)),
        ("-7 % 3", .number(-1)),
        ("-(2 + 3)", .number(-5)),
        ("!true", .bool(false)),
        ("!(1 > 2)", .bool(true)),
        ("x.a + 1", .number(2)),
        ("event.time + duration('1h') == timestamp('2026-11-22T11:40:00Z')", .bool(true)),
        ("duration('1h') + event.time == timestamp('2026-11-22T11:40:00Z')", .bool(true)),
        ("event.time - duration('40m') == timestamp('2026-11-22T10:00:00Z')", .bool(true)),
        ("now - event.time == duration('1h20m')", .bool(true)),
        ("duration('1h') + duration('30m') == duration('90m')", .bool(true)),
        ("duration('1h') - duration('90m') == -duration('30m')", .bool(true)),
        ("duration('1h') * 3 == duration('3h')", .bool(true)),
        ("2 * duration('1h') == duration('2h')", .bool(true)),
        ("duration('3h') / 2 == duration('90m')", .bool(true)),
        ("duration('3h') / duration('30m')", .number(6)),
    ])
    func arithmetic(source: String, expected: Value) {
        #expect(harness.value(source) == expected)
    }

    @Test(arguments: [
        ("1 < 2", true), ("2 <= 2", true), ("3 > 4", false), ("4 >= 5", false),
        ("'apple' < 'banana'", true), ("'b' >= 'a'", true),
        ("event.time < now", true), ("now <= event.time", false),
        ("duration('1h') > duration('59m')", true), ("duration('2h') <= duration('120m')", true),
        ("1 == 1", true), ("1 != 1", false), ("'a' == 'a'", true), ("null == null", true),
        ("x.n == null", true), ("x.a == null", false), ("x == null", false),
        ("[1, [2, 3]] == [1, [2, 3]]", true), ("{'a': [1]} == {'a': [1]}", true), ("[1, 2] != [2, 1]", true),
        ("x.nested == {'deep': 'yes'}", true),
        ("x.a == 'one'", false),
        ("2 in [1, 2, 3]", true), ("4 in numbers", false), ("'XX' in high_risk_countries", true),
        ("'a' in x", true), ("'missing' in x", false), ("'deep' in x.nested", true),
        ("event.data.city in ['Paris', 'Rome']", true),
    ])
    func comparisons(source: String, expected: Bool) {
        #expect(harness.value(source) == .bool(expected))
    }

    @Test(arguments: [
        ("true && true", true), ("true && false", false), ("false || true", true), ("false || false", false),
        ("1 < 2 && 2 < 3 || false", true),
    ])
    func logic(source: String, expected: Bool) {
        #expect(harness.value(source) == .bool(expected))
    }

    @Test(arguments: [
        ("1 + 2 * 3", Value.number(7)),
        ("(1 + 2) * 3", .number(9)),
        ("10 - 4 - 3", .number(3)),
        ("2 * 3 % 4", .number(2)),
        ("1 + 2 == 3", .bool(true)),
        ("1 < 2 == 2 < 3", .bool(true)),
        ("true || false && false", .bool(true)),
        ("(true || false) && false", .bool(false)),
        ("!false && false", .bool(false)),
        ("-2 * -3", .number(6)),
        ("1 + 1 in [2]", .bool(true)),
        ("null ?? 1 + 1", .number(2)),
        ("true ? 1 : 2 + 10", .number(1)),
        ("false ? 1 : true ? 2 : 3", .number(2)),
        ("x.n ?? false || true", .bool(true)),
        ("[1, 2, 3][1] * 10", .number(20)),
        ("x.nested.deep + '!'", .string("yes!")),
        ("-x.list[0]", .number(-1)),
    ])
    func precedence(source: String, expected: Value) {
        #expect(harness.value(source) == expected)
    }

    @Test(arguments: [
        ("x.n ?? 'default'", Value.string("default")),
        ("x.missing ?? 'default'", .string("default")),
        ("x.n.deeper ?? 'default'", .string("default")),
        ("x.a ?? 'default'", .number(1)),
        ("x.zero ?? 5", .number(0)),
        ("x.list[9] ?? -1", .number(-1)),
        ("x.missing ?? x.n ?? 3", .number(3)),
        ("context.device ?? 'unknown'", .string("unknown")),
        ("context.balance.amount ?? 0", .number(800)),
    ])
    func coalescing(source: String, expected: Value) {
        #expect(harness.value(source) == expected)
    }

    @Test func coalescingDoesNotHideOtherFailures() {
        let failure = harness.failure("(1 / x.zero) ?? 7")
        #expect(failure?.message == "division by zero")
    }

    @Test(arguments: [
        ("false && (1 / x.zero > 0)", false),
        ("false && x.missing", false),
        ("true || x.missing.deeper", true),
        ("x.a > 5 && x.missing == 1", false),
        ("false ? x.missing : true", true),
    ])
    func shortCircuitSkipsTheRightSide(source: String, expected: Bool) {
        #expect(harness.value(source) == .bool(expected))
    }

    @Test func shortCircuitStillEvaluatesTheRightSideWhenNeeded() {
        #expect(harness.failure("true && x.missing")?.message == "no field 'missing' in map")
    }
}
