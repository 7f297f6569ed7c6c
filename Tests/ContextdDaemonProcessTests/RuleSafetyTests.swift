import ContextdTestKit
import ContextdTestSupport
import Foundation
import Glibc
import HTTPTypes
import Testing

/// Issue 17, item 4: no rule can wedge the pipeline. A pattern that backtracks forever on one
/// line, a comprehension that would run for minutes, a slice of slow events at SIGTERM: the
/// file finishes (or stops at the event in hand), the rest goes on, and the daemon answers.
@Suite(.serialized, .blocksAThread) struct RuleSafetyTests {
    static func event(_ id: String, _ type: String, _ data: String, minutesAgo: Int = 120) -> String {
        let time = ISO8601DateFormatter().string(from: Date().addingTimeInterval(Double(-60 * minutesAgo)))
        return #"{"specversion":"1.0","id":"\#(id)","source":"s","type":"\#(type)","subject":"c1","time":"\#(time)","data":\#(data)}"#
    }

    func writeRule(_ sandbox: DaemonSandbox, _ name: String, _ yaml: String) throws {
        try yaml.write(to: sandbox.rules.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// A rule that tries every pair of `probe.pairs` items (n² steps) for one summing to -1.
    func writePairRule(_ sandbox: DaemonSandbox, _ name: String, id: String) throws {
        try writeRule(sandbox, name, """
            rules:
              - id: \(id)
                on: [probe.pairs]
                when: event.data.items.exists(a, event.data.items.exists(b, a + b == -1))
                task: {assignee: "ops", where: "queue:ops", what: "pair in {{event.id}}", why: "y", priority: 95}
            """)
    }

    /// `^(a+)+$` against 26 `a`s and a `b` wedged the daemon for ever (and the restart redid the
    /// same file). Now it is false for that line, and the lines around it make their tasks.
    @Test func aCatastrophicPatternDoesNotWedgeTheDaemon() async throws {
        let sandbox = try DaemonSandbox()
        try writeRule(sandbox, "zz-regex.yaml", """
            rules:
              - id: only-as
                on: [probe.text]
                when: matches(event.data.s, '^(a+)+$')
                task: {assignee: "ops", where: "queue:ops", what: "only a: {{event.id}}", why: "y", priority: 95}
            """)
        let hostile = String(repeating: "a", count: 26) + "b"
        try sandbox.drop("text.jsonl", [
            Self.event("t-1", "probe.text", #"{"s":"aaaa"}"#),
            Self.event("t-2", "probe.text", #"{"s":"\#(hostile)"}"#),
            Self.event("t-3", "probe.text", #"{"s":"\#(String(repeating: "a", count: 5_000))"}"#),
            Self.event("t-4", "probe.text", #"{"s":"\#(String(repeating: "a", count: 5_000))b"}"#),
        ].joined(separator: "\n") + "\n")
        try sandbox.start()
        try sandbox.waitUntil("text.jsonl is done", timeout: 60) { sandbox.names(in: "done").contains("text.jsonl") }
        let whats = try sandbox.outboxTasks().values.filter { $0.contains("only a: ") }
        #expect(whats.count == 2)
        #expect(whats.contains { $0.contains("only a: t-1") } && whats.contains { $0.contains("only a: t-3") })
        let health = try await request(try sandbox.httpPort(), .get, "/healthz")
        #expect(health.status == 200)
        #expect(try sandbox.stop(signal: SIGTERM, timeout: 10) == 0)
        #expect(!sandbox.logText.contains("rule evaluation failed"))
    }

    /// A comprehension nested in another over 2,000 elements (4 million steps, past the default
    /// budget of 1 million): a fault for that event, counted as `replay --stats` counts it and
    /// logged with the rule and the event; the next event's task is made.
    @Test func anEvaluationPastTheBudgetIsCountedAndLogged() throws {
        let sandbox = try DaemonSandbox()
        try writePairRule(sandbox, "zz-pairs.yaml", id: "any-pair")
        let big = "[" + (0..<2_000).map(String.init).joined(separator: ",") + "]"
        let text = [
            Self.event("huge-1", "probe.pairs", #"{"items":\#(big)}"#),
            Self.event("small-2", "probe.pairs", #"{"items":[0,-1,5]}"#),
        ].joined(separator: "\n") + "\n"
        let copies = try sandbox.dropKeepingCopies([("pairs.jsonl", text)])
        try sandbox.start()
        try sandbox.waitUntil("pairs.jsonl is done", timeout: 60) { sandbox.names(in: "done").contains("pairs.jsonl") }
        #expect(try sandbox.stop(signal: SIGTERM, timeout: 10) == 0)
        let line = sandbox.logText.split(separator: "\n").first { $0.contains("rule evaluation failed") }
        let logged = try #require(line)
        #expect(logged.contains("rule=any-pair") && logged.contains("event=huge-1"), "\(logged)")
        #expect(logged.contains("the evaluation budget of 1000000 steps ran out"), "\(logged)")
        #expect(try sandbox.outboxTasks().values.contains { $0.contains("pair in small-2") })
        let (warnings, statistics) = try Self.replayStatistics(sandbox, copies)
        #expect(warnings == ["warning: rule 'any-pair' on event huge-1: the evaluation budget of 1000000 steps ran out "
            + "(limits.evaluation_budget in the rule set)"])
        #expect(statistics["errors"] as? Int == 1)
        let rules = try #require(statistics["rules"] as? [String: [String: Any]])
        #expect(rules["any-pair"]?["errors"] as? Int == 1)
    }

    /// SIGTERM during a slice of slow events (each within the budget, a whole slice far longer
    /// than systemd waits): the daemon stops at the event in hand within 5 s, exit 0, and
    /// started again it finishes the file from there, its outbox as `replay` makes it.
    @Test func sigtermDuringASliceOfSlowEventsExitsWithinFiveSeconds() throws {
        let sandbox = try DaemonSandbox()
        try writePairRule(sandbox, "zz-slow.yaml", id: "slow-pair")
        // 400 + 400 × 400 = 160,400 steps an event, within the budget; every 10th event has a pair.
        let items = (0..<400).map(String.init).joined(separator: ",")
        let lines = (0..<Self.slowEvents).map { index in
            Self.event("slow-\(index)", "probe.pairs",
                index % 10 == 0 ? #"{"items":[0,-1,\#(items)]}"# : #"{"items":[\#(items)]}"#,
                minutesAgo: 600 - index / 10)
        }
        let copies = try sandbox.dropKeepingCopies([("slow.jsonl", lines.joined(separator: "\n") + "\n")])
        try sandbox.start()
        try sandbox.waitUntil("the daemon reads slow.jsonl") { sandbox.names(in: "cur").contains("slow.jsonl") }
        let signalled = Date()
        #expect(try sandbox.stop(signal: SIGTERM, timeout: 120) == 0)
        let took = Date().timeIntervalSince(signalled)
        #expect(took < 5, "SIGTERM took \(took) s")
        #expect(sandbox.logText.contains("file interrupted by shutdown"))
        #expect(!sandbox.names(in: "done").contains("slow.jsonl"), "the file was not finished before the stop")

        try sandbox.start()
        try sandbox.waitUntil("slow.jsonl is done", timeout: 600) { sandbox.names(in: "done").contains("slow.jsonl") }
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop(signal: SIGTERM, timeout: 10) == 0)
        let compared = try OutboxComparison.expectSameTasks(sandbox, files: copies)
        #expect(compared == Self.slowEvents / 10)
    }

    static let slowEvents = 150

    /// `contextd replay --stats` over `files`: the warnings it prints on stderr, then its summary.
    static func replayStatistics(_ sandbox: DaemonSandbox, _ files: [String]) throws -> ([String], [String: Any]) {
        let process = Process()
        process.executableURL = DaemonSandbox.binary
        process.arguments = ["replay", "--stats", "--rules", sandbox.rules.path] + files
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let lines = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let summary = try #require(lines.last)
        let statistics = try #require(try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
        return (Array(lines.dropLast()), statistics)
    }
}
