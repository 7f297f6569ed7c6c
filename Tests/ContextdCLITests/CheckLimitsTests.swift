import ContextdTestKit
import Foundation
import Testing

/// `contextd check` on what the rule language must refuse or warn about (issue 17, items 5 and 11).
@Suite(.blocksAThread) struct CheckLimitsTests {
    /// A 556-byte alias bomb: a located error at the alias that crosses the cap, at once (it
    /// took 19 s and 3.5 GB, and then said ok).
    @Test func anAliasBombIsALocatedError() throws {
        let result = try ContextdProcess.run(["check", "Tests/ContextdRulesTests/Fixtures/alias-bomb.yaml"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.lines.first == "Tests/ContextdRulesTests/Fixtures/alias-bomb.yaml:10:10: error: alias '*e' "
            + "expands to 66,430 nodes, taking this file's aliases past 100,000 nodes in all (the cap that keeps a "
            + "YAML alias bomb from exhausting memory); write the repeated part out, or nest fewer aliases")
        #expect(result.lines.last == "1 error")
    }

    /// A defer longer than a rule's expiry is a warning at the policy's `until`; the check passes.
    @Test func aDeferPastARulesExpiryIsAWarning() throws {
        let path = "Tests/ContextdEngineTests/Fixtures/defer-past-expiry"
        let result = try ContextdProcess.run(["check", path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let warnings = result.lines.filter { $0.contains(": warning: ") }
        #expect(warnings == [
            "\(path)/rules.yaml:18:12: warning: policy 'wait-for-office' defers tasks by 2h, but tasks of rule "
                + "'order-follow-up' (\(path)/rules.yaml:4) expire after 1h: a task it defers is not delivered (it "
                + "is stopped as deferred past its expiry) unless a release comes first; give the rule a longer "
                + "'expires', or leave it out with 'rules' or 'applies_to'",
            "\(path)/rules.yaml:25:12: warning: check cannot tell whether policy 'fax-next-morning' defers tasks "
                + "past their expiry: its 'until' is not task.created_at plus a constant duration, and it may apply "
                + "to rules whose tasks expire: 'order-follow-up' (1h); a task deferred to or past its expiry is not "
                + "delivered",
        ])
        #expect(result.lines.contains { $0.hasPrefix("ok: 1 rules, 2 policies") }, "\(result.stdout)")
    }

    /// The stock rules defer by 3h and the fraud rule expires after 2h, but `defer-on-mobile`
    /// applies only to email and CRM tasks, and fraud tasks are phone tasks: no warning.
    @Test func theStockRulesHaveNoWarning() throws {
        let result = try ContextdProcess.run(["check", "rules/"])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("warning"), "\(result.stdout)")
    }
}
