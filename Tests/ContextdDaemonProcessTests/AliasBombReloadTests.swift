import ContextdTestKit
import Foundation
import Testing

/// SPEC §8: what a YAML alias expands to is capped. An alias bomb saved into the rules directory
/// of a running daemon is a failed reload with a located error; the daemon keeps its rules and
/// goes on (it took 3.5 GB and was killed).
@Suite(.serialized, .blocksAThread) struct AliasBombReloadTests {
    @Test func aBombInAReloadIsRefusedAndTheOldRulesStay() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let now = TestEvents.now
        // The daemon runs the stock rules: a New York check-in then a Paris payment is a task.
        try sandbox.drop("a-1.jsonl", TestEvents.newYorkThenParis(prefix: "b1", subject: "cust-b1", payment: now - 600))
        try sandbox.waitUntilSettled(done: ["a-1.jsonl"], rejected: [])
        try sandbox.waitUntil("a task for cust-b1") { try sandbox.outboxSubjects() == ["cust-b1"] }

        // The bomb is saved into the rules directory: the reload fails at the alias, at once.
        let bomb = DaemonSandbox.root.appendingPathComponent("Tests/ContextdRulesTests/Fixtures/alias-bomb.yaml")
        try sandbox.replaceRuleFile(sandbox.rules.appendingPathComponent("bomb.yaml"),
            with: try String(contentsOf: bomb, encoding: .utf8))
        try sandbox.waitUntil("the bomb is refused") { sandbox.logText.contains("reload failed") }
        let errors = sandbox.logText.split(separator: "\n").filter { $0.contains("rule error") }
        #expect(errors.contains { $0.contains("bomb.yaml:10:10") && $0.contains("past 100,000 nodes") },
            "the log names bomb.yaml:10:10; it has:\n\(errors.joined(separator: "\n"))")

        // The daemon is alive and the stock rules are still in force.
        try sandbox.drop("b-2.jsonl", TestEvents.newYorkThenParis(prefix: "b2", subject: "cust-b2", payment: now - 300))
        try sandbox.waitUntilSettled(done: ["a-1.jsonl", "b-2.jsonl"], rejected: [])
        try sandbox.waitUntil("a task for cust-b2") { try sandbox.outboxSubjects() == ["cust-b1", "cust-b2"] }
        #expect(try sandbox.stop() == 0)
    }
}

