import ContextdEngine
import ContextdEvents
import Testing

/// SPEC §8: every evaluation runs within a budget of steps set in the rule set
/// (`limits.evaluation_budget`); past it that evaluation is a counted run-time fault, naming
/// the rule and the event, and everything else goes on. A count, not a time: the same events
/// cut at the same step in every run, so `replay` and the daemon agree.
@Suite struct EvaluationBudgetTests {
    let engine: Engine

    init() throws {
        engine = Engine(ruleSet: try ReplayHarness.loadRules([RepositoryPaths.engineFixture("budget")]))
    }

    static func items(_ count: Int, type: String = "item.list", id: String) -> Event {
        EventFactory.event(type, "u1", "10:00", ["items": .list((0..<count).map { .number(Double($0)) })], id: id)
    }

    @Test func aNestedComprehensionPastTheBudgetIsAFaultAndTheRestGoesOn() throws {
        let changes = engine.apply(Self.items(1_000, id: "big"))
        let pairs = engine.faults.filter { $0.rule == "pairs" }
        #expect(pairs.count == 1)
        let fault = try #require(pairs.first)
        #expect(fault.eventID == "big")
        #expect(fault.message.contains("the evaluation budget of 50000 steps ran out"), "\(fault.message)")
        #expect(engine.statistics.rules["pairs"]?.errors == 1)
        // The fold of the same event ran out of its own budget; the linear rule did not.
        #expect(engine.faults.contains { $0.rule == "context:pair_sums" && $0.eventID == "big" })
        #expect(engine.statistics.evaluationErrors == 2)
        #expect(changes.count == 1, "the linear rule still made its task")

        // A small event afterwards evaluates in full: the budget is per evaluation.
        engine.apply(Self.items(10, id: "small"))
        #expect(engine.statistics.evaluationErrors == 2)
        #expect(engine.statistics.rules["pairs"]?.evaluations == 2)
    }

    /// What counts is exact: `items.map(x, x).size()` takes one step per element and then one
    /// per element of what `size` reads, so 25,000 items fit in 50,000 steps and 25,001 do not.
    @Test func theCutFallsOnTheSameStepEveryTime() throws {
        engine.apply(Self.items(25_000, id: "fits"))
        #expect(!engine.faults.contains { $0.rule == "linear" })
        engine.apply(Self.items(25_001, id: "over"))
        let fault = try #require(engine.faults.first { $0.rule == "linear" })
        #expect(fault.eventID == "over")
    }

    /// A scorer takes a failing feature as missing; one that ran out of budget fails the rule
    /// that read the score instead of scoring quietly wrong.
    @Test func aScorerPastTheBudgetFailsTheRuleThatReadsIt() throws {
        engine.apply(Self.items(1_000, type: "item.list.scored", id: "scored"))
        let fault = try #require(engine.faults.first { $0.rule == "scored" })
        #expect(fault.eventID == "scored")
        #expect(fault.message.contains("evaluation budget"))
        #expect(engine.statistics.rules["scored"]?.tasks ?? 0 == 0)
        engine.apply(Self.items(50, type: "item.list.scored", id: "fine"))
        #expect(engine.statistics.rules["scored"]?.tasks == 1)
    }

    /// Issue 17: a comprehension over 20,000 elements nested in another took 19 s. Under the
    /// default budget it is cut (this test took minutes before the budget existed).
    @Test func theDefaultBudgetCutsANestedComprehensionOver20000Elements() throws {
        let engine = Engine(ruleSet: try ReplayHarness.loadRules([RepositoryPaths.engineFixture("budget-default")]))
        engine.apply(Self.items(20_000, id: "huge"))
        let fault = try #require(engine.faults.first)
        #expect(fault.rule == "nested" && fault.eventID == "huge")
        #expect(fault.message.contains("the evaluation budget of 1000000 steps ran out"))
        #expect(engine.statistics.evaluationErrors == 1)
    }
}
