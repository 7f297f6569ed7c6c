import ContextdTestKit
import Foundation
import Testing

/// The daemon's log lines say what an operator needs once, in words that cannot be misread:
/// where it listens (one line, not one of contextd's and one of the HTTP server's), which
/// spool directories it reads, which files had rejected lines (a warning, not routine), and
/// that dedup pruning drops bookkeeping, not events.
@Suite(.blocksAThread) struct LogLineTests {
    static func lines(_ text: String, containing needle: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.contains(needle) }
    }

    @Test func theListenAddressIsLoggedOnceAndStartedNamesTheSpoolPath() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let port = try sandbox.httpPort()
        try sandbox.waitUntil("the daemon logs started") { sandbox.logText.contains(" started ") }
        #expect(try sandbox.stop(signal: SIGTERM) == 0)
        let log = sandbox.logText
        let listening = Self.lines(log, containing: "listening")
        #expect(listening.count == 1, "\(listening)")
        #expect(listening.first?.contains("address=127.0.0.1:\(port) ") == true, "\(listening)")
        let started = Self.lines(log, containing: " started ")
        #expect(started.count == 1)
        #expect(started.first?.contains("inputs=events=\(sandbox.spool.path)") == true, "\(started)")
    }

    @Test func aFileWithRejectedLinesIsAWarningAndACleanFileIsNot() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let time = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
        let good = #"{"specversion":"1.0","id":"e-1","source":"web","type":"lead.visit","subject":"lead-1","time":"\#(time)","data":{"page":"/about","owner":"user-ana"}}"#
        try sandbox.drop("clean.jsonl", good + "\n")
        try sandbox.drop("bad.jsonl", good.replacingOccurrences(of: "e-1", with: "e-2") + "\nnot json\n")
        try sandbox.waitUntilDrained()
        try sandbox.waitUntil("both files are logged") { Self.lines(sandbox.logText, containing: "file done").count == 2 }
        #expect(try sandbox.stop() == 0)
        let done = Self.lines(sandbox.logText, containing: "file done")
        let bad = try #require(done.first { $0.contains("file=bad.jsonl") })
        let clean = try #require(done.first { $0.contains("file=clean.jsonl") })
        #expect(bad.contains(" warning file done ") && bad.contains("rejected=1"), "\(bad)")
        #expect(clean.contains(" info file done ") && clean.contains("rejected=0"), "\(clean)")
    }

    /// Dedup records are pruned at the first idle moment after a start; with a retention of a
    /// second, the record of an event a minute old goes then. The file is dropped before the
    /// start, so that the first idle moment comes after it.
    @Test func pruningDedupRecordsDoesNotReadLikeLostEvents() throws {
        // `allowedLateness` sets the retention too (the lateness may not be longer).
        let sandbox = try DaemonSandbox(allowedLateness: "1s")
        let time = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
        try sandbox.drop("a.jsonl", #"{"specversion":"1.0","id":"e-1","source":"web","type":"lead.visit","subject":"lead-1","time":"\#(time)","data":{"page":"/about","owner":"user-ana"}}"# + "\n")
        try sandbox.start()
        try sandbox.waitUntil("the daemon prunes the dedup record") {
            sandbox.logText.contains("duplicate-check records older than dedup_retention expired count=1")
        }
        #expect(try sandbox.stop() == 0, "\(sandbox.logText)")
        #expect(!sandbox.logText.contains("forgotten"), "\(sandbox.logText)")
    }
}
