import ContextdTestKit
import Foundation
import Testing

/// A rule that fails at run time (here: a producer's bad timestamp inside `data`) counts as
/// false, the file still completes, and the log names the rule, the event and the error.
@Suite(.serialized, .blocksAThread) struct RuntimeFaultTests {
    /// Adds `fails-on-bad-data` to the sandbox's rules: on `x.y`, its `when` fails for any event
    /// from ``event(_:at:)`` whose `at` is not a timestamp.
    static func addRuleFailingOnBadData(to sandbox: DaemonSandbox) throws {
        try """
            rules:
              - id: fails-on-bad-data
                on: [x.y]
                when: timestamp(event.data.at) > event.time
                task: {assignee: "a", where: "push", what: "w", why: "y", priority: 50}
            """.write(to: sandbox.rules.appendingPathComponent("zz-fails.yaml"), atomically: true, encoding: .utf8)
    }

    /// An `x.y` event with `data.at` set to `at`, as one JSONL line (no newline).
    static func event(_ id: String, at: String) -> String {
        #"{"specversion":"1.0","id":"\#(id)","source":"s","type":"x.y","subject":"c","time":"2026-11-20T10:00:00Z","data":{"at":"\#(at)"}}"#
    }

    @Test func aRuleFailingAtRunTimeIsLoggedWithRuleAndEvent() throws {
        let sandbox = try DaemonSandbox()
        try Self.addRuleFailingOnBadData(to: sandbox)
        try sandbox.start()
        try sandbox.drop("a.jsonl", Self.event("e-1", at: "nope") + "\n")
        try sandbox.waitUntil("a.jsonl is done") { sandbox.names(in: "done").contains("a.jsonl") }
        #expect(try sandbox.stop() == 0)
        let line = sandbox.logText.split(separator: "\n").first { $0.contains("rule evaluation failed") }
        let logged = try #require(line)
        #expect(logged.contains("rule=fails-on-bad-data") && logged.contains("event=e-1") && logged.contains("'nope'"))
        #expect(try sandbox.outboxTasks().isEmpty)
    }
}
