import ContextdTestKit
import Foundation
import Glibc
import Testing

/// No quiet state loss (issue 17, item 9): a store deleted under the daemon, a file taken out
/// of `cur/`, an emptied rules directory — each is detected, stopped or refused, and said.
@Suite(.serialized, .blocksAThread) struct StateLossTests {
    @Test func aStoreDeletedUnderTheDaemonStopsItAndTheRestartDoesNotStartEmptyQuietly() throws {
        let sandbox = try DaemonSandbox()
        let config = sandbox.directory.appendingPathComponent("contextd.yaml").path
        try sandbox.drop("a.jsonl",
            TestEvents.newYorkThenChicago(prefix: "sd", subject: "cust-sd", payment: TestEvents.now - 300))
        try sandbox.start()
        try sandbox.waitUntilDrained()
        let process = try #require(sandbox.process)
        try FileManager.default.removeItem(atPath: sandbox.database)
        try sandbox.waitUntil("the daemon stops", timeout: 15) { !process.isRunning }
        #expect(process.terminationStatus == 1)
        #expect(sandbox.logText.contains("was deleted while the daemon had it open"), "\(sandbox.logText)")

        // The restart refuses to begin from an empty store, and says how to go on.
        let restart = try BoundedRun.contextd(["run", "--config", config], timeout: 15)
        #expect(!restart.timedOut)
        #expect(restart.status == 78, "\(restart.output)")
        #expect(restart.output.contains("no store at \(sandbox.database)"), "\(restart.output)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))

        // Deleting the lock file, as the message says, starts empty on purpose.
        try FileManager.default.removeItem(atPath: sandbox.directory.appendingPathComponent("var/contextd.lock").path)
        let starts = { sandbox.logText.components(separatedBy: "no store yet: starting with an empty one").count - 1 }
        #expect(starts() == 1, "the first start")
        try sandbox.start()
        try sandbox.waitUntil("the daemon starts empty") { starts() == 2 && sandbox.logText.contains(" listening ") }
        #expect(try sandbox.stop() == 0, "\(sandbox.logText)")
    }

    /// 40,000 events of one subject, no rule's type: a file the daemon takes seconds to read.
    static func largeFile(prefix: String) -> String {
        let time = TestEvents.format(TestEvents.now - 3600)
        return (0..<40_000).map { index in
            TestEvents.line(id: "\(prefix)-\(index)", source: "bulk", type: "bulk.touch", subject: "cust-bulk",
                time: time, data: #"{"n":\#(index)}"#)
        }.joined(separator: "\n") + "\n"
    }

    /// A daemon (slices of 50 events) that has just claimed `big.jsonl`, a ``largeFile(prefix:)``;
    /// and the claimed file in `cur/`.
    static func claimingALargeFile(prefix: String) throws -> (sandbox: DaemonSandbox, claimed: URL) {
        let sandbox = try DaemonSandbox(batchEvents: 50)
        try sandbox.start()
        _ = try sandbox.httpPort()
        try sandbox.drop("big.jsonl", largeFile(prefix: prefix))
        let claimed = sandbox.url("cur", "big.jsonl")
        try sandbox.waitUntil("big.jsonl is claimed", timeout: 30) { FileManager.default.fileExists(atPath: claimed.path) }
        return (sandbox, claimed)
    }

    @Test func aFileTakenOutOfCurWhileItIsReadIsFinishedAndSaidSo() throws {
        let (sandbox, claimed) = try Self.claimingALargeFile(prefix: "cr")
        // Taken out once the daemon has it open: taken out between the claim and the open, it
        // is a file the daemon never read (said as "gone from cur/ before it was read").
        let process = try #require(sandbox.process)
        try sandbox.waitUntil("big.jsonl is open", timeout: 30) {
            Self.openFiles(of: process.processIdentifier).contains(claimed.path)
        }
        try FileManager.default.removeItem(at: claimed)
        try sandbox.drop("after.jsonl",
            TestEvents.newYorkThenChicago(prefix: "ca", subject: "cust-ca", payment: TestEvents.now - 300))
        try sandbox.waitUntil("after.jsonl is done", timeout: 60) {
            !process.isRunning || FileManager.default.fileExists(atPath: sandbox.url("done", "after.jsonl").path)
        }
        #expect(process.isRunning, "the daemon stopped:\n\(sandbox.logText.suffix(2000))")
        let warning = sandbox.logText.split(separator: "\n").first { $0.contains("file left cur/ while it was read") }
        #expect(warning?.contains("file=big.jsonl") == true && warning?.contains("items=40000") == true,
            "\(sandbox.logText.suffix(2000))")
        #expect(try sandbox.stop() == 0)
    }

    /// The moment a file is taken out of `cur/` is the producer's, not the daemon's: right after
    /// the claim, before the open, while it is read, after. Whichever it is, the daemon goes on
    /// and says, for each file it lost, which of the two it was.
    @Test func aFileTakenOutOfCurAtAnyMomentNeverStopsTheDaemon() throws {
        let sandbox = try DaemonSandbox(batchEvents: 50)
        try sandbox.start()
        _ = try sandbox.httpPort()
        let process = try #require(sandbox.process)
        var taken: [String] = []
        for round in 0..<40 {
            let name = "r\(round).jsonl"
            let events = (0..<(round % 4) * 100 + 1).map { index in
                TestEvents.line(id: "r\(round)-\(index)", source: "bulk", type: "bulk.touch", subject: "cust-bulk",
                    time: TestEvents.format(TestEvents.now - 3600), data: #"{"n":\#(index)}"#)
            }
            try sandbox.drop(name, events.joined(separator: "\n") + "\n")
            // Spins (no 50 ms poll) so that some removals land between the claim and the open.
            let claimed = sandbox.url("cur", name).path
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline && process.isRunning {
                if unlink(claimed) == 0 { taken.append(name); break }
                if FileManager.default.fileExists(atPath: sandbox.url("done", name).path) { break }
                usleep(200)
            }
        }
        try sandbox.drop("after.jsonl",
            TestEvents.newYorkThenChicago(prefix: "am", subject: "cust-am", payment: TestEvents.now - 300))
        try sandbox.waitUntil("after.jsonl is done", timeout: 60) {
            !process.isRunning || FileManager.default.fileExists(atPath: sandbox.url("done", "after.jsonl").path)
        }
        #expect(process.isRunning, "the daemon stopped:\n\(sandbox.logText.suffix(2000))")
        let lost = sandbox.logText.split(separator: "\n").filter {
            $0.contains("file gone from cur/ before it was read") || $0.contains("file left cur/ while it was read")
        }
        #expect(!taken.isEmpty)
        print("taken out of cur/: \(taken.count) of 40 files,",
            "\(lost.filter { $0.contains("before it was read") }.count) before the daemon opened them")
        for name in taken {
            #expect(lost.filter { $0.contains("file=\(name)") }.count == 1, "\(name): \(sandbox.logText.suffix(3000))")
        }
        #expect(lost.count == taken.count)
        #expect(try sandbox.stop() == 0)
    }

    /// What the process's descriptors point at (`/proc/<pid>/fd`).
    static func openFiles(of pid: Int32) -> [String] {
        let directory = "/proc/\(pid)/fd"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\($0)") }
    }

    @Test func aFileTakenOutOfCurWhileTheDaemonWasDownIsReportedWithWhatWasApplied() throws {
        let (sandbox, claimed) = try Self.claimingALargeFile(prefix: "cd")
        #expect(try sandbox.stop() == 0)
        try #require(sandbox.logText.contains("file interrupted by shutdown"), "the file was finished before the stop")
        try FileManager.default.removeItem(at: claimed)
        try sandbox.start()
        try sandbox.waitUntil("the loss is logged") { sandbox.logText.contains("file gone from cur/ before it was finished") }
        let warning = try #require(sandbox.logText.split(separator: "\n").first { $0.contains("file gone from cur/") })
        #expect(warning.contains("file=big.jsonl") && warning.contains("items_applied="), "\(warning)")
        #expect(try sandbox.stop() == 0)
    }

    /// Removes every rule file (the directory stays, as after a deploy that removed them).
    static func emptyRules(of sandbox: DaemonSandbox) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: sandbox.rules.path) {
            try FileManager.default.removeItem(at: sandbox.rules.appendingPathComponent(name))
        }
    }

    @Test func anEmptyRuleSetIsRefusedAtStartUnlessTheConfigurationAllowsIt() throws {
        let sandbox = try DaemonSandbox()
        try Self.emptyRules(of: sandbox)
        let config = sandbox.directory.appendingPathComponent("contextd.yaml")
        let refused = try BoundedRun.contextd(["run", "--config", config.path], timeout: 15)
        #expect(!refused.timedOut)
        #expect(refused.status == 78, "\(refused.output)")
        #expect(refused.output.contains("hold no rule"), "\(refused.output)")

        let text = try String(contentsOf: config, encoding: .utf8)
        try text.replacingOccurrences(of: "  debounce: 200ms", with: "  debounce: 200ms\n  allow_empty: true")
            .write(to: config, atomically: true, encoding: .utf8)
        try sandbox.start()
        try sandbox.waitUntil("the daemon starts without rules") { sandbox.logText.contains(" started ") }
        #expect(sandbox.logText.contains("rules=0"))
        #expect(try sandbox.stop() == 0)
    }

    @Test func aReloadThatFindsNoRulesIsRefusedAndTheRulesStayInForce() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        _ = try sandbox.httpPort()
        try Self.emptyRules(of: sandbox)
        let pid = try #require(sandbox.process?.processIdentifier)
        #expect(kill(pid, SIGHUP) == 0)
        try sandbox.waitUntil("the empty reload is refused") { sandbox.logText.contains("reload refused") }
        #expect(!sandbox.logText.contains("rules=0"), "\(sandbox.logText)")
        try sandbox.drop("fraud.jsonl",
            TestEvents.newYorkThenParis(prefix: "er", subject: "cust-er", payment: TestEvents.now - 300))
        try sandbox.waitUntil("the old rules still make the fraud task") { try sandbox.outboxTasks().count == 1 }
        #expect(try sandbox.stop() == 0)
    }
}
