import ContextdEvents
import ContextdExpressions
import Testing

@Suite struct ComprehensionTests {
    let harness = Harness()

    @Test(arguments: [
        ("numbers.filter(n, n > 1)", Value.list([.number(3), .number(2)])),
        ("filter(numbers, n, n > 1)", .list([.number(3), .number(2)])),
        ("numbers.map(n, n * 10)", .list([.number(30), .number(10), .number(20)])),
        ("numbers.exists(n, n == 2)", .bool(true)),
        ("numbers.exists(n, n > 5)", .bool(false)),
        ("numbers.all(n, n > 0)", .bool(true)),
        ("numbers.all(n, n > 1)", .bool(false)),
        ("numbers.count_if(n, n >= 2)", .number(2)),
        ("[].exists(n, n > 0)", .bool(false)),
        ("[].all(n, n > 0)", .bool(true)),
        ("payments.filter(p, p.category == 'rent').map(p, p.id)", .list([.string("p1")])),
        ("payments.max_by(p, p.amount).id", .string("p1")),
        ("payments.min_by(p, p.due).id", .string("p2")),
        ("[].max_by(p, p)", .null),
        ("[2, 9, 9].max_by(n, n)", .number(9)),
        // sort_by: ascending by the key; ties keep their order; null keys last, in their order.
        ("payments.sort_by(p, p.amount).map(p, p.id)", .list([.string("p2"), .string("p3"), .string("p1")])),
        ("payments.sort_by(p, -p.amount).map(p, p.id)", .list([.string("p1"), .string("p3"), .string("p2")])),
        ("payments.sort_by(p, p.due).map(p, p.id)", .list([.string("p2"), .string("p3"), .string("p1")])),
        (
            "[{'n': 'b', 'k': 1}, {'n': 'a', 'k': null}, {'n': 'c', 'k': 1}, {'n': 'd', 'k': 0}].sort_by(e, e.k).map(e, e.n)",
            .list([.string("d"), .string("b"), .string("c"), .string("a")])
        ),
        ("['pear', 'fig', 'apple'].sort_by(w, size(w))", .list([.string("fig"), .string("pear"), .string("apple")])),
        ("[].sort_by(x, x)", .list([])),
        ("x.nested.map(k, k + '!')", .list([.string("deep!")])),
        // Nested comprehensions see the outer local.
        (
            "[1, 2].map(a, [10, 20].map(b, a * b))",
            .list([.list([.number(10), .number(20)]), .list([.number(20), .number(40)])])
        ),
        ("numbers.filter(n, numbers.exists(m, m == n + 1))", .list([.number(1), .number(2)])),
        // A local shadows a variable of the same name, and an outer local of the same name.
        ("numbers.map(event, event + 1)", .list([.number(4), .number(2), .number(3)])),
        ("[[1, 2], [3]].map(n, n.map(n, n * 2))", .list([.list([.number(2), .number(4)]), .list([.number(6)])])),
        // After the comprehension, the name means the outer variable again.
        ("numbers.map(event, event).size() + size(event.id)", .number(5)),
        ("payments.exists(p, p.category == 'rent' && p.due - now < duration('10d'))", .bool(true)),
        ("sum(payments.filter(p, p.id != 'p1' && p.due < payments[0].due).map(p, p.amount))", .number(345.5)),
    ])
    func comprehensions(source: String, expected: Value) {
        #expect(harness.value(source) == expected)
    }

    @Test func existsStopsAtTheFirstMatch() {
        // The element after the match would fail (no field 'a' on a number).
        #expect(harness.value("[{'a': 1}, {'a': 2}, 3].exists(e, e.a == 1)") == .bool(true))
        #expect(harness.value("[{'a': 1}, 3].all(e, e.a == 2)") == .bool(false))
    }

    @Test func typesFlowThroughComprehensions() throws {
        #expect(try harness.compile("payments.map(p, p.amount)").get().type == .list(.number))
        #expect(
            try harness.compile("payments.filter(p, p.amount > 100)").get().type == .list(.record(Harness.paymentType))
        )
        #expect(try harness.compile("payments.max_by(p, p.due)").get().type == .record(Harness.paymentType))
        #expect(try harness.compile("numbers.count_if(n, n > 1)").get().type == .number)
        #expect(try harness.compile("payments.sort_by(p, p.due)").get().type == .list(.record(Harness.paymentType)))
    }

    @Test func sortByKeysOfTwoKindsIsARunTimeErrorAtTheKey() {
        let source = "[1, 'a'].sort_by(v, [v][0])"
        let failure = harness.failure(source)
        #expect(failure?.message == "'sort_by' needs keys of one kind, not number and string")
        #expect(failure?.range == range(of: "[v][0]", in: source))
    }

    @Test(arguments: [
        ("payments.map(p, p.amout)", "unknown field 'amout' on p; did you mean 'amount'?", "amout"),
        ("numbers.filter(n, n + 1)", "the condition of 'filter' must be bool, not number", "n + 1"),
        (
            "numbers.map(1, 2)",
            "the second argument of 'map' must be a new name for each element, like items.map(x, x * 2)", "1"
        ),
        ("numbers.exists(n)", "'exists' takes a list, a name and an expression, like items.exists(x, x > 0)", "exists"),
        ("event.time.all(t, true)", "'all' needs a list or map, not timestamp", "event.time"),
        (
            "payments.max_by(p, p.category == 'rent')",
            "'max_by' needs a number, string, timestamp or duration to compare, not bool", "p.category == 'rent'"
        ),
        ("numbers.map(n, m)", "unknown identifier 'm'; did you mean 'n'?", "m)"),
        (
            "payments.sort_by(p, p.category == 'rent')",
            "'sort_by' needs a number, string, timestamp or duration to compare, not bool", "p.category == 'rent'"
        ),
        (
            "payments.sort(p, p.amount)",
            "'sort' takes 1 argument, got 3; to order by a key, use 'sort_by': items.sort_by(x, x.amount)", "sort"
        ),

    ])
    func comprehensionErrors(source: String, message: String, at part: String) {
        let diagnostics = harness.diagnostics(source)
        #expect(diagnostics.map(\.message) == [message])
        #expect(diagnostics.first?.range.start == range(of: part, in: source).start)
    }

    @Test func aFailingConditionReportsItsRange() {
        let source = "x.list.filter(n, n.deep)"
        let failure = harness.failure(source)
        #expect(failure?.message == "cannot read field 'deep' of number")
        #expect(failure?.range == range(of: "n.deep", in: source))
    }
}
