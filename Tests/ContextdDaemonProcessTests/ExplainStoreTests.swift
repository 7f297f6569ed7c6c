import ContextdTestKit
import Foundation
import Testing

/// `contextd explain TASK_ID` answers from the daemon's store, after the daemon stopped: the
/// trigger, both events, the distance and speed, the score contributions and the policy steps.
@Suite(.serialized, .blocksAThread) struct ExplainStoreTests {
    @Test func explainsAFraudTaskFromTheStore() throws {
        let sandbox = try DaemonSandbox()
        let fixture = DaemonSandbox.root.appendingPathComponent("fixtures/fraud-paris-after-new-york.jsonl")
        try sandbox.drop("a.jsonl", try String(contentsOf: fixture, encoding: .utf8))
        try sandbox.start()
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop() == 0)
        let id = try #require(try sandbox.outboxTasks().keys.first)

        let config = sandbox.directory.appendingPathComponent("contextd.yaml").path
        let explained = try Self.run(["explain", id, "--config", config])
        #expect(explained.status == 0)
        let text = explained.output
        #expect(text.contains("task \(id) · rule location-mismatch-fraud · subject cust-42"), "\(text)")
        #expect(text.contains("trigger   event evt-fraud-01-b (card.transaction from cards)"))
        #expect(text.contains("km = 5837.249") && text.contains("kmh = 9216.7089"))
        #expect(text.contains("+3.2258   speed_thousand_kmh = 9.2167"))
        #expect(text.contains("evidence  evt-fraud-01-a, evt-fraud-01-b"))
        #expect(text.contains("dedup (the rule's dedup): first task for key \"cust-42\" within 1d"))
        #expect(text.contains("status    written"))

        let unknown = try Self.run(["explain", "t-0000000000000000", "--config", config])
        #expect(unknown.status == 1)
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = DaemonSandbox.binary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
