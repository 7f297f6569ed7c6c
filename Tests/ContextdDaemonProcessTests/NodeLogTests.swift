import ContextdEvents
import ContextdTestKit
import Foundation
import Testing

/// A node on the event log (`cluster:`, decision 0018 §1): whatever happens to the node, its
/// tasks are what `contextd replay` of `contextd log export` gives, and a store whose state was
/// built without the log is refused.
@Suite(.serialized, .blocksAThread) struct NodeLogTests {
    /// Files dropped in waves into a node that is SIGKILLed at random moments and restarted,
    /// with idle pauses between the waves (the node appends ticks then): the outbox equals
    /// replay of the export field by field, none twice, and the export holds every event once.
    @Test(.postgres) func aNodeKilledAtRandomEqualsReplayOfItsExport() throws {
        let sandbox = try DaemonSandbox(backend: .eventLog, batchEvents: 5)
        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z"))
        let files = EventMix(customers: 400, start: start, seed: 11).files(perFile: 12)
        var random = SplitMix(state: 20)
        var kills = 0
        var dropped = 0
        for wave in 0..<4 {
            let end = wave == 3 ? files.count : dropped + files.count / 4
            for file in files[dropped..<end] { try sandbox.drop(file.name, file.text) }
            dropped = end
            for _ in 0..<3 {
                try sandbox.start()
                Thread.sleep(forTimeInterval: 0.1 + Double(random.next() % 400) / 1000)
                #expect(try sandbox.stop(signal: SIGKILL) == SIGKILL)
                kills += 1
            }
            try sandbox.start()
            try sandbox.waitUntilDrained(timeout: 300)
            // Idle long enough for a tick (at most one a second while nothing is due).
            Thread.sleep(forTimeInterval: 1.5)
            #expect(try sandbox.stop() == 0)
        }
        #expect(sandbox.names(in: "done").count == files.count)

        let exported = sandbox.directory.appendingPathComponent("export")
        let export = try sandbox.runToEnd(["log", "export", "--output", exported.path])
        #expect(export.status == 0, "\(export.error)")
        let arguments = Array(export.output.trimmingCharacters(in: .newlines).split(separator: " ").map(String.init)
            .dropFirst(2))
        let ticks = arguments.filter { !$0.hasPrefix("/") }
        #expect(ticks.count >= 3, "the idle node stepped the clock between the waves: \(arguments)")
        let lines = try arguments.filter { $0.hasPrefix("/") }.flatMap {
            try String(contentsOfFile: $0, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        let unique = Set(files.flatMap { $0.text.split(separator: "\n").map(String.init) })
        #expect(lines.count == Set(lines).count, "an event twice in the log")
        #expect(Set(lines) == unique, "the log holds every event dropped, once")
        let compared = try OutboxComparison.expectSameTasks(sandbox, replayed: try sandbox.replay(arguments: arguments))
        print("node on the event log: \(kills) SIGKILLs, \(files.count) files, \(lines.count) events, "
            + "\(ticks.count) ticks, \(compared) tasks compared")
    }

    /// `cluster.log_retention: 1h` on events that span a day: once the node applied them, it
    /// removes what is older than an hour before the log's newest entry (never the head), and an
    /// export says where the log now starts.
    @Test(.postgres) func aRetentionPrunesWhatEveryPartitionApplied() throws {
        let sandbox = try DaemonSandbox(backend: .eventLog, lease: "2s\n  log_retention: 1h")
        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z"))
        let files = EventMix(customers: 300, start: start, seed: 3).files(perFile: 50)
        for file in files { try sandbox.drop(file.name, file.text) }
        try sandbox.start()
        try sandbox.waitUntilDrained(timeout: 300)
        // The first prune comes at the node's first idle step, perhaps before the last file;
        // then once a minute.
        try sandbox.waitUntil("the log is pruned", timeout: 90) { sandbox.logText.contains("event log pruned") }
        let first = Int(try #require(try sandbox.postgres?.execute("SELECT min(pos)::text FROM event_log").first ?? nil)) ?? 0
        let head = Int(try #require(try sandbox.postgres?.execute("SELECT pos::text FROM log_head").first ?? nil)) ?? 0
        #expect(first > 1 && first <= head, "first \(first), head \(head)")
        #expect(try sandbox.stop() == 0)
        let export = try sandbox.runToEnd(["log", "export", "--output", sandbox.directory.appendingPathComponent("export").path])
        #expect(export.status == 0)
        #expect(export.error.contains("the log starts at position \(first)"), "\(export.error)")
    }

    /// A daemon that ran alone on a PostgreSQL store, turned into a node: its state came from
    /// files no log holds, so it is refused, with the reason and what to do.
    @Test(.postgres) func aStoreBuiltWithoutTheLogIsRefused() throws {
        let sandbox = try DaemonSandbox(backend: .postgresql)
        let fixture = DaemonSandbox.root.appendingPathComponent("fixtures/mixed-day.jsonl")
        try sandbox.drop("mixed-day.jsonl", try String(contentsOf: fixture, encoding: .utf8))
        try sandbox.start()
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop() == 0)
        let config = sandbox.directory.appendingPathComponent("contextd.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
        try (text + "\ncluster:\n  node: late-joiner\n").write(to: config, atomically: true, encoding: .utf8)
        let run = try sandbox.runToEnd(["run"], timeout: 60)
        #expect(run.status == 78)
        #expect(run.error.contains("contextd: the store holds state (its clock is 2026-"), "\(run.error)")
        #expect(run.error.contains("that a daemon built without the event log"), "\(run.error)")
        #expect(run.error.hasSuffix("remove 'cluster' to go on alone; not starting\n"), "\(run.error)")
    }
}
