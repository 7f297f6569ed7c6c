import ContextdEvents
import ContextdExpressions
import Testing

@Suite struct ListBuiltinTests {
    let harness = Harness()

    @Test(arguments: [
        ("first(numbers)", Value.number(3)),
        ("numbers.last()", .number(2)),
        ("first([])", .null),
        ("last([])", .null),
        ("sum(numbers)", .number(6)),
        ("sum([])", .number(0)),
        ("sum([duration('1h'), duration('30m')])", .duration(.minutes(90))),
        ("avg(numbers)", .number(2)),
        ("avg([])", .null),
        ("avg([duration('1h'), duration('2h')])", .duration(.minutes(90))),
        ("count(numbers)", .number(3)),
        ("count(x)", .number(6)),
        ("sort(numbers)", .list([.number(1), .number(2), .number(3)])),
        ("sort(['b', 'c', 'a'])", .list([.string("a"), .string("b"), .string("c")])),
        ("sort([])", .list([])),
        ("reverse(numbers)", .list([.number(2), .number(1), .number(3)])),
        ("keys({'b': 1, 'a': 2})", .list([.string("a"), .string("b")])),
        ("values({'b': 1, 'a': 2})", .list([.number(2), .number(1)])),
        ("x.nested.keys()", .list([.string("deep")])),
        ("numbers.sort().first()", .number(1)),
        ("sum(payments.map(p, p.amount))", .number(1545.5)),
    ])
    func lists(source: String, expected: Value) {
        #expect(harness.value(source) == expected)
    }

    @Test(arguments: [
        ("sort([1, 'a'])", "'sort' needs numbers, strings, timestamps or durations of one kind, not number and string"),
        ("sum(x.list + ['a'])", "'sum' needs a list of numbers or of durations, not one holding a string"),
        ("first(x.s)", "argument 1 of 'first' must be a list, not string"),
    ])
    func listErrors(source: String, message: String) {
        #expect(harness.failure(source)?.message == message)
    }
}
