import ContextdTestKit
import ContextdTestSupport
import Foundation
import Glibc
import HTTPTypes
import Testing

/// SPEC §8: a log write that fails is dropped and counted, never fatal; and a log line is one
/// record, whatever a producer names its files (issue 17, item 7).
@Suite(.serialized, .blocksAThread) struct LogFailureTests {
    enum Sink: String, CaseIterable, Sendable {
        /// `contextd run 2>/dev/full`: every write fails with ENOSPC.
        case full
        /// A log pipe whose reader went away: every write fails with EPIPE (SIGPIPE ignored).
        case closedPipe
    }

    @Test(arguments: Sink.allCases)
    func aStandardErrorThatCannotBeWrittenStopsNothing(_ sink: Sink) async throws {
        // The bound port is normally read from the log, which is lost here: the test picks one.
        let port = try RawConnections.freePort()
        let sandbox = try DaemonSandbox(extra: "http:\n  listen: 127.0.0.1:\(port)")
        let standardError: FileHandle
        let pipe = Pipe()
        switch sink {
        case .full: standardError = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        case .closedPipe:
            try pipe.fileHandleForReading.close()
            standardError = pipe.fileHandleForWriting
        }
        try sandbox.drop("fraud.jsonl",
            TestEvents.newYorkThenParis(prefix: "lf", subject: "cust-lf", payment: TestEvents.now - 300))
        try sandbox.start(environment: [:], standardError: standardError, descriptorLimit: nil)
        let process = try #require(sandbox.process)
        try sandbox.waitUntil("the fraud task is in the outbox", timeout: 30) {
            try !process.isRunning || sandbox.outboxTasks().count == 1
        }
        let reason = "status \(process.isRunning ? 0 : process.terminationStatus)"
        try #require(process.isRunning, "the daemon died writing its log: \(reason)")
        let metrics = HTTPProcessTests.samples(try await request(port, .get, "/metrics").text)
        #expect((metrics["contextd_log_writes_failed_total"] ?? 0) > 0, "\(metrics)")
        #expect(try sandbox.stop() == 0)
    }

    @Test func aFileNamedWithALineBreakCannotForgeALogLine() throws {
        let sandbox = try DaemonSandbox()
        // No space in the name (a value with one was quoted already): tabs, a line break, an escape.
        let forged = "2026-01-01T00:00:00.000Z\tcritical\tforged"
        try sandbox.drop("evil\n\(forged)\u{1B}[2K.jsonl",
            TestEvents.newYorkThenChicago(prefix: "nl", subject: "cust-nl", payment: TestEvents.now - 300))
        try sandbox.start()
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop() == 0)
        let lines = sandbox.logText.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!lines.contains { $0.hasPrefix(forged) }, "a log line was forged:\n\(sandbox.logText)")
        #expect(!sandbox.logText.contains("\u{1B}"), "an escape sequence reached the log")
        let done = lines.filter { $0.contains(" file done ") }
        #expect(done.count == 1)
        #expect(done.first?.contains(#"file="evil\n2026-01-01T00:00:00.000Z\tcritical\tforged\u001b[2K.jsonl""#) == true,
            "\(done)")
    }
}
