import ContextdTestKit
import Foundation
import Testing

/// `contextd check` as an operator runs it: exit codes and compiler-style output.
@Suite(.blocksAThread) struct CheckCommandTests {
    @Test func stockRulesAreValid() throws {
        let result = try ContextdProcess.run(["check", "rules/"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasPrefix("ok: 3 rules, 3 policies"))
        // What several nodes must wait for, and that all of it is exact (decision 0018 §3).
        #expect(result.lines.contains("on several nodes:"))
        #expect(result.lines.contains { $0.hasPrefix("  policy 'contact-cap' (rules/contact.yaml): crosses partitions (waits for the watermark): ") })
        #expect(result.lines.contains { $0.hasPrefix("  rule 'low-balance-before-rent' (rules/rent.yaml): crosses partitions") })
        #expect(!result.stdout.contains("not exact"))
        #expect(result.lines.last == "  every other rule and policy is local; all of them are exact on several nodes")
    }

    @Test func brokenRulesExitOneWithEveryErrorLocated() throws {
        let result = try ContextdProcess.run(["check", "Tests/ContextdRulesTests/Fixtures/broken"])
        #expect(result.status == 1)
        let errors = result.lines.filter { $0.contains(": error: ") }
        #expect(errors.count == 16)
        #expect(errors.allSatisfy { $0.range(of: #"^[^:]+\.yaml:\d+:\d+: error: "#, options: .regularExpression) != nil })
        #expect(result.stdout.contains("b-rules.yaml:5:50: error: 'when' of rule 'big-spender': unknown field 'amout' on event.data; did you mean 'amount'?"))
        #expect(result.lines.last == "16 errors")
    }

    @Test func aMissingPathIsReported() throws {
        let result = try ContextdProcess.run(["check", "no/such/dir"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("no/such/dir:1:1: error: no such file or directory"))
    }
}
