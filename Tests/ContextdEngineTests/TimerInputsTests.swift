@testable import ContextdEngine
import Testing

/// A rule's timer is recomputed only when a context declaration it reads changes: which ones is
/// worked out from its compiled `timer` and `for_each` when the rules load.
@Suite struct TimerInputsTests {
    func inputs(_ ruleSet: RuleSet) -> [String: [String]?] {
        var found: [String: [String]?] = [:]
        for (rule, inputs) in ruleSet.timerRules {
            found[ruleSet.rules[rule].id] = .some(inputs.map { $0.map { ruleSet.contexts[$0].name } })
        }
        return found
    }

    @Test func eachTimerDependsOnTheDeclarationsItReads() throws {
        let ruleSet = try ReplayHarness.loadRules([RepositoryPaths.engineFixture("timers")])
        #expect(inputs(ruleSet) == ["appointment-reminder": ["appointments"], "idle-after-login": ["last_login"]])
    }

    @Test func theStockRentTimerDependsOnlyOnPayments() throws {
        let ruleSet = try ReplayHarness.loadRules()
        #expect(inputs(ruleSet) == ["low-balance-before-rent": ["payments"]])
    }
}
