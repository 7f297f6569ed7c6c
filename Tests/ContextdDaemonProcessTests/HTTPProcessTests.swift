import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import ContextdTestSupport
import Foundation
import HTTPTypes
import Testing

/// The HTTP side of the real binary (SPEC §3, §5): metrics after a known run, and a task that
/// goes out by lease, comes back rejected, and makes the cooldown policy stop the next one.
@Suite(.serialized, .blocksAThread) struct HTTPProcessTests {
    /// Prometheus text → value by `name{labels}` as printed.
    static func samples(_ text: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            result[String(line[..<space])] = value
        }
        return result
    }

    @Test(arguments: SandboxBackend.all)
    func metricsAfterAKnownRunMatchWhatReplayCounts(backend: SandboxBackend) async throws {
        let sandbox = try DaemonSandbox(backend: backend)
        let fixture = DaemonSandbox.root.appendingPathComponent("fixtures/mixed-day.jsonl")
        let text = try String(contentsOf: fixture, encoding: .utf8)
        try sandbox.drop("mixed-day.jsonl", text)
        // The same events again (all duplicates), and a file with two bad lines.
        try sandbox.drop("mixed-day-again.jsonl", text)
        try sandbox.drop("bad.jsonl", "not json\n{\"specversion\":\"1.0\"}\n")
        try sandbox.start()
        try sandbox.waitUntilDrained()
        let port = try sandbox.httpPort()
        let scraped = Date().timeIntervalSince1970
        let response = try await request(port, .get, "/metrics")
        let answered = Date().timeIntervalSince1970
        #expect(response.status == 200)
        let metrics = Self.samples(response.text)
        let stats = try sandbox.replayStatistics([fixture.path])
        let events = try #require(stats["events"] as? Int)
        let duplicates = try #require(stats["duplicates"] as? Int)
        // Read twice; the second copy is all duplicates, on top of the file's own resends.
        #expect(metrics[#"contextd_events_total{input="events"}"#] == Double(2 * events))
        #expect(metrics[#"contextd_events_duplicate_total{input="events"}"#] == Double(events + duplicates))
        #expect(metrics[#"contextd_events_rejected_total{input="events"}"#] == 2)
        #expect(metrics[#"contextd_files_total{input="events"}"#] == 3)
        let rules = try #require(stats["rules"] as? [String: [String: Any]])
        #expect(rules.count >= 3)
        var tasks = 0.0
        for (rule, figures) in rules {
            for (key, metric) in [("evaluations", "contextd_rule_evaluations_total"),
                ("matches", "contextd_rule_matches_total"), ("tasks", "contextd_tasks_created_total")]
            {
                let expected = try #require(figures[key] as? Int)
                #expect((metrics[metric + #"{rule=""# + rule + #""}"#] ?? 0) == Double(expected), "\(metric) of \(rule)")
            }
            tasks += Double(try #require(figures["tasks"] as? Int))
            let suppressed = try #require(figures["suppressed"] as? Int)
            let counted = metrics.filter { $0.key.hasPrefix(#"contextd_tasks_suppressed_total{rule=""# + rule + "\"") }
                .values.reduce(0, +)
            #expect(counted == Double(suppressed), "suppressed of \(rule)")
        }
        // The figures named in docs/rules.md for mixed-day: fraud evaluated 5 times, matched twice.
        #expect(metrics[#"contextd_rule_evaluations_total{rule="location-mismatch-fraud"}"#] == 5)
        #expect(metrics[#"contextd_rule_matches_total{rule="location-mismatch-fraud"}"#] == 2)
        // Every task went to the file outbox (no assignee is served over HTTP here).
        let written = metrics["contextd_tasks_written_total"] ?? 0
        #expect(written == Double(try sandbox.outboxTasks().count))
        #expect(metrics[#"contextd_outbox_files{directory="new"}"#] == written)
        #expect(metrics["contextd_rules_last_reload_success"] == 1)
        // Lag is the wall clock minus the engine's clock, read while the scrape was answered.
        let clock = try #require(metrics["contextd_clock_timestamp_seconds"])
        let lag = try #require(metrics["contextd_lag_seconds"])
        #expect(lag >= scraped - clock - 1 && lag <= answered - clock + 1,
            "lag \(lag), clock \(clock), scrape between \(scraped) and \(answered)")
        #expect(tasks > 0)
        let ready = try await request(port, .get, "/readyz")
        #expect(ready.status == 200)
        #expect(try sandbox.stop() == 0)
    }

    /// On the event log the outcome reaches the engine as a `contextd.task.outcome` entry of the log.
    @Test(arguments: SandboxBackend.all)
    func aLeasedTaskRejectedOverHTTPCoolsTheRuleDownForThatLead(backend: SandboxBackend) async throws {
        // The second visit is dated eight days ahead of the wall clock, on purpose.
        let sandbox = try DaemonSandbox(backend: backend, maxFutureSkew: "9d", extra: """
            http:
              listen: 127.0.0.1:0
              assignees: ["user-"]
            """)
        try sandbox.start()
        let port = try sandbox.httpPort()
        let formatter = ISO8601DateFormatter()
        func visit(_ id: String, at date: Date) -> String {
            #"{"specversion":"1.0","id":"\#(id)","source":"web","type":"lead.visit","subject":"lead-9001","time":"\#(formatter.string(from: date))","data":{"page":"/pricing","owner":"user-ana"}}"# + "\n"
        }
        // A long poll waits for the task the next file makes.
        async let polled = request(port, .get, "/v1/tasks?assignee=user-ana&wait=30")
        try await Task.sleep(for: .milliseconds(200))
        try sandbox.drop("visit-1.jsonl", visit("evt-visit-1", at: Date().addingTimeInterval(-60)))
        let leased = try await polled
        #expect(leased.taskIDs.count == 1)
        let taskID = try #require(leased.taskIDs.first)
        #expect(try sandbox.outboxTasks().isEmpty, "an HTTP task is not also written to the file outbox")

        let ack = try await request(port, .post, "/v1/tasks/\(taskID)/ack",
            body: #"{"outcome":"rejected","note":"already a customer of a competitor"}"#)
        #expect(ack.status == 200)
        let store = try sandbox.store()
        try sandbox.waitUntil("the outcome reaches the engine") { try store.pendingOutcomes(limit: 1).isEmpty }

        // Eight days on: past the rule's 7-day dedup, inside the 14-day cooldown.
        try sandbox.drop("visit-2.jsonl", visit("evt-visit-2", at: Date().addingTimeInterval(8 * 86_400)))
        try sandbox.waitUntilDrained()
        let stopped = try await request(port, .get, "/v1/suppressed?assignee=user-ana")
        guard case .list(let items)? = stopped["tasks"], case .object(let item)? = items.first else {
            Issue.record("no suppressed candidate: \(stopped.text)")
            return
        }
        #expect(item["suppressed_by"] == .string("cool-down-after-rejected-lead"))
        #expect(try await request(port, .get, "/v1/tasks?assignee=user-ana").taskIDs.isEmpty)
        let metrics = Self.samples(try await request(port, .get, "/metrics").text)
        #expect(metrics[#"contextd_tasks_acked_total{outcome="rejected",rule="hot-lead-follow-up"}"#] == 1)
        #expect(metrics[#"contextd_tasks_suppressed_total{rule="hot-lead-follow-up",policy="cool-down-after-rejected-lead"}"#] == 1)
        #expect(metrics[#"contextd_tasks_leased_total{token="anonymous"}"#] == 1)
        #expect(try sandbox.stop() == 0)

        // contextd explain names the policy that stopped the candidate, and the outcome behind it.
        let candidate = try #require(stopped.taskIDs.first)
        let config = sandbox.directory.appendingPathComponent("contextd.yaml").path
        let explained = try ExplainStoreTests.run(["explain", candidate, "--config", config])
        #expect(explained.status == 0)
        #expect(explained.output.contains("suppressed by policy cool-down-after-rejected-lead"), "\(explained.output)")
        let shown = try #require(try await store.explanation(of: taskID))
        #expect(shown.status.hasPrefix("acked (rejected: already a customer of a competitor)"))
    }
}

/// docs/consuming.md's example consumer, run against the real daemon with a real token.
@Suite(.serialized, .blocksAThread) struct ExampleConsumerTests {
    @Test func theExampleConsumerLeasesAndAcksWhatIsDue() throws {
        let secret = "fraud-desk-token-0123456789abcdef"
        let sandbox = try DaemonSandbox(extra: """
            http:
              listen: 127.0.0.1:0
              assignees: ["queue:fraud"]
              tokens:
                - name: fraud-desk
                  token: \(secret)
                  assignees: ["queue:fraud"]
            """)
        // The Paris-after-New-York case, stamped the last hour so the task has not expired.
        let formatter = ISO8601DateFormatter()
        let now = Date()
        let checkin = formatter.string(from: now.addingTimeInterval(-45 * 60))
        let card = formatter.string(from: now.addingTimeInterval(-5 * 60))
        try sandbox.drop("fraud.jsonl", """
            {"specversion":"1.0","id":"evt-c-1","source":"checkins","type":"location.checkin","subject":"cust-7","time":"\(checkin)","data":{"lat":40.7128,"lon":-74.006,"city":"New York"}}
            {"specversion":"1.0","id":"evt-t-1","source":"cards","type":"card.transaction","subject":"cust-7","time":"\(card)","data":{"amount":84.5,"currency":"EUR","merchant":"Galeries Lafayette","lat":48.8566,"lon":2.3522,"city":"Paris","card_present":true}}

            """)
        try sandbox.start()
        let port = try sandbox.httpPort()
        try sandbox.waitUntilDrained()

        let consumer = Process()
        consumer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        consumer.arguments = ["python3", DaemonSandbox.root.appendingPathComponent("scripts/example-consumer.py").path,
            "--assignee", "queue:fraud", "--wait", "1", "--once"]
        consumer.environment = ["CONTEXTD_URL": "http://127.0.0.1:\(port)", "CONTEXTD_TOKEN": secret,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let out = Pipe()
        consumer.standardOutput = out
        consumer.standardError = out
        try consumer.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        consumer.waitUntilExit()
        #expect(consumer.terminationStatus == 0, "\(output)")
        #expect(output.contains("queue:fraud") && output.contains("Possible card fraud"), "\(output)")
        #expect(try sandbox.stop() == 0)
        let counts = try sandbox.store().taskCounts()
        #expect(counts[.acked] == 1)
        #expect(try sandbox.outboxTasks().isEmpty)
        #expect(!sandbox.logText.contains(secret), "the token appears in the log")
    }
}
