import ContextdTestKit
import Foundation
import Testing

/// README.md's shell blocks, run as printed on what a fresh clone has (``ReadmeWorkspace`` says
/// what the test controls and how): a new user's first half hour must work, and a README edit
/// that breaks a command breaks this test.
@Suite(.blocksAThread) struct ReadmeTests {
    /// What a block containing `command` must do: its exit status and what its output shows.
    struct Expectation: Sendable, CustomStringConvertible {
        var command: String
        var status: Int32 = 0
        var check: @Sendable (String) throws -> Void
        var description: String { command }
    }

    static let expectations: [Expectation] = [
        Expectation(command: "ls var/spool/events/done/") { output in
            #expect(output.contains("0001.jsonl"), "\(output)")
            #expect(output.contains(/t-[0-9a-f]{16}\.json/), "no task file in the outbox:\n\(output)")
            // The stamped fraud task: made now, and not yet expired.
            let task = try Self.object(in: output, containing: "\"rule\"")
            #expect(task["rule"] as? String == "location-mismatch-fraud")
            #expect(task["subject"] as? String == "cust-42")
            let created = try #require(ISO8601DateFormatter().date(from: task["created_at"] as? String ?? ""))
            #expect(abs(created.timeIntervalSinceNow) < 600, "created_at \(created) is not now")
        },
        Expectation(command: "/v1/tasks?assignee=queue:fraud") { output in
            // The lease answers the Dubai task, the ack records the outcome, /metrics counts.
            let lease = try Self.object(in: output, containing: "\"tasks\"")
            let leased = try #require(lease["tasks"] as? [[String: Any]])
            #expect(leased.count == 1, "\(output)")
            let task = try #require(leased.first?["task"] as? [String: Any], "\(output)")
            #expect(task["subject"] as? String == "cust-1010")
            let id = try #require(task["id"] as? String)
            let ack = try Self.object(in: output, containing: "\"delivery\"")
            #expect((ack["task"] as? [String: Any])?["id"] as? String == id, "the ack's answer:\n\(output)")
            #expect(ack["delivery"] as? String == "acked" && ack["outcome"] as? String == "done", "\(output)")
            #expect(output.contains("contextd_tasks_leased_total") && output.contains("contextd_tasks_acked_total"),
                "\(output)")
        },
        Expectation(command: "contextd test rules/ --coverage-min 90") { output in
            #expect(!output.contains("FAIL"), "\(output)")
        },
        Expectation(command: "contextd diff --rules rules --rules my-edit", status: 1) { output in
            #expect(output.contains("location-mismatch-fraud"), "\(output)")
        },
        Expectation(command: "contextd check rules/") { output in
            #expect(output.hasPrefix("ok:"), "\(output)")
        },
    ]

    @Test func everyShellBlockRunsAsPrinted() throws {
        let readme = ReadmeBlocks(text: try String(contentsOf: DaemonSandbox.root.appendingPathComponent("README.md"),
            encoding: .utf8))
        let workspace = try ReadmeWorkspace()
        var unmet = Self.expectations.map(\.command)
        #expect(readme.shell.filter { $0.role == .daemon }.count == 2, "the file walkthrough and the HTTP one")
        for block in readme.shell {
            switch block.role {
            case .skip:
                continue
            case .daemon:
                try workspace.startDaemon(block.text)
            case .run:
                let outcome = try workspace.run(block.text)
                let expectation = Self.expectations.first { block.text.contains($0.command) }
                #expect(outcome.status == expectation?.status ?? 0,
                    "README.md:\(block.line): the block exits \(outcome.status):\n\(block.text)\n\(outcome.output)")
                if let expectation {
                    unmet.removeAll { $0 == expectation.command }
                    try expectation.check(outcome.output)
                }
            }
        }
        try workspace.stopDaemon()
        #expect(unmet.isEmpty, "README.md has no block with these commands any more")
        #expect(!workspace.daemonLogText.contains(" error "), "\(workspace.daemonLogText)")
    }

    /// `replay` prints, field for field, the task the README shows under it.
    @Test func theReplayExampleIsWhatReplayPrints() throws {
        let readme = ReadmeBlocks(text: try String(contentsOf: DaemonSandbox.root.appendingPathComponent("README.md"),
            encoding: .utf8))
        let command = "contextd replay --rules rules fixtures/fraud-paris-after-new-york.jsonl"
        let shown = try #require(readme.json(after: command), "README.md shows no JSON after `\(command)`")
        let workspace = try ReadmeWorkspace()
        let block = try #require(readme.shell.first { $0.text.contains(command) })
        let outcome = try workspace.run(block.text)
        #expect(outcome.status == 0, "\(outcome.output)")
        let printed = try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? NSDictionary
        let expected = try JSONSerialization.jsonObject(with: Data(shown.text.utf8)) as? NSDictionary
        #expect(printed != nil && printed == expected, "replay prints:\n\(outcome.output)\nREADME.md:\(shown.line) shows:\n\(shown.text)")
    }

    /// The first line of `output` that is a JSON object and contains `key`.
    static func object(in output: String, containing key: String) throws -> [String: Any] {
        for line in output.split(separator: "\n") where line.hasPrefix("{") && line.contains(key) {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] { return object }
        }
        Issue.record("no JSON object with \(key) in:\n\(output)")
        throw CancellationError()
    }
}
