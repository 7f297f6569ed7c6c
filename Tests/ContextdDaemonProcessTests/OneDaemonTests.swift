import ContextdTestKit
import Foundation
import Glibc
import Testing

/// SPEC §8: one data directory has one daemon (an exclusive lock); read-only commands work
/// beside it; a listener that cannot bind stops the start at once (issue 17, item 8).
@Suite(.serialized, .blocksAThread) struct OneDaemonTests {
    @Test func aSecondDaemonOnTheSameDataDirectoryExitsAtOnceNamingTheFirst() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.drop("fraud.jsonl",
            TestEvents.newYorkThenParis(prefix: "od", subject: "cust-od", payment: TestEvents.now - 300))
        try sandbox.start()
        try sandbox.waitUntilDrained()
        let first = try #require(sandbox.process?.processIdentifier)
        let config = sandbox.directory.appendingPathComponent("contextd.yaml").path

        let second = try BoundedRun.contextd(["run", "--config", config], timeout: 15)
        #expect(!second.timedOut, "the second daemon kept running:\n\(second.output)")
        #expect(second.status == 78, "\(second.output)")
        #expect(second.output.contains("in use by another contextd (pid \(first))"), "\(second.output)")

        // explain reads the store beside the running daemon.
        let task = try #require(try sandbox.outboxTasks().values.first)
        let explained = try BoundedRun.contextd(["explain", try DaemonSandbox.id(of: task), "--config", config],
            timeout: 30)
        #expect(explained.status == 0, "\(explained.output)")
        #expect(explained.output.contains("status    written"), "\(explained.output)")
        #expect(sandbox.process?.isRunning == true)
        #expect(try sandbox.stop() == 0)
    }

    @Test func aListenerThatCannotBindStopsTheStartAtOnce() throws {
        let (socket, port) = try RawConnections.listening()
        defer { close(socket) }
        let sandbox = try DaemonSandbox(extra: "http:\n  listen: 127.0.0.1:\(port)")
        // A file waiting in the spool: the start stops before recovery, so it is never done.
        try sandbox.drop("fraud.jsonl",
            TestEvents.newYorkThenParis(prefix: "ob", subject: "cust-ob", payment: TestEvents.now - 300))
        let started = Date()
        try sandbox.start()
        let process = try #require(sandbox.process)
        try sandbox.waitUntil("the daemon stops on the bind error", timeout: 15) { !process.isRunning }
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(process.terminationStatus == 1)
        #expect(sandbox.logText.contains("the HTTP API cannot listen on 127.0.0.1:\(port)"), "\(sandbox.logText)")
        #expect(!sandbox.logText.contains(" file done "))
    }
}
