import ContextdEvents
import ContextdExpressions
import Testing

/// What spends the evaluation budget (``Activation/stepsLeft``), and that running out is an
/// error nothing swallows: not `??`, not `has()`.
@Suite struct ExpressionBudgetTests {
    let harness = Harness()

    /// The harness's activation with `numbers` holding 0..<count and a budget.
    func activation(numbers count: Int, budget: Int) -> Activation {
        let activation = harness.makeActivation()
        activation.set(harness.numbers, .list((0..<count).map { .number(Double($0)) }))
        activation.limitSteps(to: budget)
        return activation
    }

    func run(_ source: String, numbers count: Int, budget: Int) throws -> Result<Value, EvaluationError> {
        let compiled = try harness.compile(source).get()
        let activation = activation(numbers: count, budget: budget)
        return Result { () throws(EvaluationError) in try compiled.evaluate(activation) }
    }

    /// Source, how many numbers, and the exact budget it needs (one less fails).
    static let costs: [(source: String, count: Int, steps: Int)] = [
        ("numbers.map(n, n * 2).size()", 100, 200),
        ("numbers.exists(n, n == 9)", 100, 10),
        ("numbers.filter(n, numbers.exists(m, m > n)).size()", 10, 10 + 64 + 9),
        ("numbers.sort().reverse().size()", 1_000, 3_000),
        ("99 in numbers", 1_000, 1_000),
        ("size(numbers + numbers)", 100, 400),
        ("join(numbers.map(n, 'ab'), '')", 10, 10 + 20),
        ("matches(event.data.city, '^(P+)+$')", 0, 5),
    ]

    @Test(arguments: costs) func stepsAreCountedExactly(_ source: String, _ count: Int, _ steps: Int) throws {
        #expect(try run(source, numbers: count, budget: steps).get() != .null)
        guard case .failure(let error) = try run(source, numbers: count, budget: steps - 1) else {
            Issue.record("'\(source)' fits in \(steps - 1) steps")
            return
        }
        #expect(error.code == .budgetExceeded)
        #expect(error.message == "the evaluation budget of \(steps - 1) steps ran out (limits.evaluation_budget in the rule set)")
    }

    @Test(arguments: [
        "numbers.map(n, numbers.map(m, m)) ?? []",
        "has(numbers.map(n, numbers.map(m, m))[0])",
    ])
    func runningOutIsNotSwallowed(_ source: String) throws {
        guard case .failure(let error) = try run(source, numbers: 500, budget: 10_000) else {
            Issue.record("'\(source)' did not fail")
            return
        }
        #expect(error.code == .budgetExceeded)
    }

    /// A comprehension over 20,000 elements nested in another (issue 17: 19 s) stops at the
    /// budget.
    @Test func aNestedComprehensionStopsAtTheBudget() throws {
        let source = "numbers.exists(n, numbers.exists(m, n + m < 0))"
        guard case .failure(let error) = try run(source, numbers: 20_000, budget: 1_000_000) else {
            Issue.record("it did not fail")
            return
        }
        #expect(error.code == .budgetExceeded)
        #expect(error.description.contains("(at 'numbers')"), "\(error.description)")
    }
}
