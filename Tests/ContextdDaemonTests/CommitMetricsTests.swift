@testable import ContextdDaemon
import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdStore
import Foundation
import Logging
import Testing

/// `contextd_commit_seconds` and `contextd_commit_wait_seconds`: one observation per group
/// commit the loop lands, never per event, so that `scripts/bench` can divide the store's time
/// by the commits on each backend.
@Suite struct CommitMetricsTests {
    @Test func eachGroupCommitIsObservedOnceWhateverItsEvents() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commit-metrics-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = DaemonConfiguration.embeddedDefault(workingDirectory: directory.path)
        configuration.rules = [DaemonEqualsReplayTests.repository.appendingPathComponent("rules").path]
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let metrics = DaemonMetrics()
        let store = try configuration.store.open()
        let pipeline = try Pipeline(configuration: configuration, ruleSet: DaemonEqualsReplayTests.ruleSet,
            store: store, signal: TaskSignal(), metrics: metrics,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, shouldStop: { false },
            wallClock: { LoopPartsDirectory.time })
        let spool = directory.appendingPathComponent("var/spool/events").path
        func event(_ id: Int) -> String {
            #"{"specversion":"1.0","id":"e\#(id)","source":"s","type":"t","subject":"x\#(id)","time":"2027-01-15T08:00:00Z","data":{}}"#
        }
        #expect(try pipeline.recover())
        #expect(try await Self.figures(metrics, store)["contextd_commit_seconds_count"] == 0, "shown at 0 before the first commit")

        // One group of two files and 50 events: one commit.
        try (1...30).map(event).map { $0 + "\n" }.joined().write(toFile: spool + "/new/a.jsonl", atomically: false, encoding: .utf8)
        try (31...50).map(event).map { $0 + "\n" }.joined().write(toFile: spool + "/new/b.jsonl", atomically: false, encoding: .utf8)
        #expect(try pipeline.step())
        try pipeline.idle()
        var figures = try await Self.figures(metrics, store)
        #expect(figures["contextd_events_total{input=\"events\"}"] == 50)
        #expect(figures["contextd_commit_seconds_count"] == 1)
        #expect(figures["contextd_commit_wait_seconds_count"] == 1)
        #expect(figures["contextd_commit_seconds_bucket{le=\"+Inf\"}"] == 1)
        #expect((figures["contextd_commit_seconds_sum"] ?? 0) > 0, "a commit takes time")
        #expect(figures["contextd_commit_seconds_bucket{le=\"0.00025\"}"] != nil, "the buckets start at 250 µs")

        // The next group also forgets the files the first one finished: a second commit.
        try (event(51) + "\n").write(toFile: spool + "/new/c.jsonl", atomically: false, encoding: .utf8)
        #expect(try pipeline.step())
        try pipeline.idle()
        figures = try await Self.figures(metrics, store)
        #expect(figures["contextd_events_total{input=\"events\"}"] == 51)
        #expect(figures["contextd_commit_seconds_count"] == 2)
        #expect(figures["contextd_commit_wait_seconds_count"] == 2)
        // The loop waited for a commit at most as long as the commit took, plus the wait's own overhead.
        #expect(figures["contextd_commit_wait_seconds_sum"]! <= figures["contextd_commit_seconds_sum"]! + 0.5)
        try pipeline.settle()
    }

    /// The exposition's samples by name and labels, as Prometheus reads them.
    static func figures(_ metrics: DaemonMetrics, _ store: any DaemonStore) async throws -> [String: Double] {
        let text = await metrics.exposition(store: store, outboxNew: "/nonexistent", now: LoopPartsDirectory.time)
        var figures: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            figures[String(line[..<space])] = value
        }
        return figures
    }
}
