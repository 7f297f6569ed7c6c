import ContextdEngine
import ContextdStore
import ContextdTestKit
import Foundation
import Glibc
import Testing

/// SPEC §5: SIGTERM/SIGINT finish the event in hand, commit, and exit 0; started again, the
/// daemon goes on where it stopped, and the outbox ends as if it had never stopped (SPEC §2:
/// as `replay` of the same files).
@Suite(.serialized, .blocksAThread) struct ShutdownTests {
    @Test(arguments: SandboxBackend.all)
    func sigtermDuringABacklogExitsZeroAndARestartFinishesIt(backend: SandboxBackend) throws {
        let sandbox = try DaemonSandbox(backend: backend, batchEvents: 50)
        // ~4,800 events in small slices: long enough for the signal to land mid-backlog.
        let mix = EventMix(customers: 800, start: Date().addingTimeInterval(-2 * 86_400), seed: 42)
        let files = mix.files(perFile: 400)
        let copies = try sandbox.dropKeepingCopies(files)

        try sandbox.start()
        try sandbox.waitUntil("some of the backlog is done") { !sandbox.names(in: "done").isEmpty }
        let first = try #require(sandbox.process)
        #expect(try sandbox.stop(signal: SIGTERM, timeout: 10) == 0)
        #expect(first.terminationReason == .exit, "it exits, not killed by the signal")
        #expect(sandbox.logText.contains(" stopped "))
        let doneAtStop = sandbox.names(in: "done").count
        let interrupted = sandbox.logText.contains("file interrupted by shutdown")
        #expect(sandbox.names(in: "cur").count <= 1, "at most the file in hand stays in cur/")
        #expect(!sandbox.logText.contains("critical"))
        // The tasks the last group published before the stop are marked written, not left
        // staged for the next start to recover (decision 0010).
        let counts = try sandbox.store().taskCounts()
        #expect(counts[.written, default: 0] > 0 && counts[.staged] == nil, "\(counts)")

        try sandbox.start()
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop(signal: SIGTERM, timeout: 10) == 0)
        #expect(sandbox.logText.components(separatedBy: " stopped ").count - 1 == 2)
        #expect(sandbox.names(in: "done") == files.map(\.name))
        #expect(sandbox.names(in: "rejected").isEmpty)
        try sandbox.expectNothingLeftBehind()
        let compared = try OutboxComparison.expectSameTasks(
            sandbox, files: copies)
        let seen = try sandbox.appliedEvents()
        #expect(Set(seen.map { "\($0.source)/\($0.id)" }).count == seen.count)
        #expect(seen.count == mix.events().count, "every event applied once (the resent ones skipped)")
        print("shutdown test (\(backend)): \(files.count) files, \(doneAtStop) done at SIGTERM, file interrupted: \(interrupted), "
            + "\(compared) tasks compared")
    }

    /// A crash (SIGKILL) mid-backlog, while a consumer keeps taking task files out of the outbox:
    /// started again, the daemon redoes what was not committed (SPEC §1, step 4), and every task
    /// reaches the consumer exactly once (SPEC §3: a task file is written exactly once).
    @Test(arguments: SandboxBackend.all)
    func sigkillDuringABacklogLosesNothingAndWritesNothingTwice(backend: SandboxBackend) throws {
        let sandbox = try DaemonSandbox(backend: backend, batchEvents: 50)
        let mix = EventMix(customers: 800, start: Date().addingTimeInterval(-2 * 86_400), seed: 7)
        let files = mix.files(perFile: 400)
        let copies = try sandbox.dropKeepingCopies(files)
        let consumer = OutboxConsumer(sandbox)

        try sandbox.start()
        try sandbox.waitUntil("some tasks reached the consumer") {
            try consumer.take()
            return consumer.taken.count >= 20
        }
        let first = try #require(sandbox.process)
        #expect(try sandbox.stop(signal: SIGKILL, timeout: 10) == SIGKILL)
        #expect(first.terminationReason == .uncaughtSignal)
        try consumer.take()

        try sandbox.start()
        try sandbox.waitUntil("the spool is drained") {
            try consumer.take()
            return sandbox.isDrained
        }
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop(signal: SIGTERM, timeout: 10) == 0)
        #expect(sandbox.names(in: "done") == files.map(\.name))
        try sandbox.expectNothingLeftBehind()
        try consumer.take()
        #expect(consumer.takenTwice.isEmpty, "task files written again after the consumer took them: \(consumer.takenTwice)")
        // Give the consumer's files back to new/, so the outbox can be compared with replay.
        try consumer.putBack()
        try OutboxComparison.expectSameTasks(sandbox, files: copies)
        let seen = try sandbox.appliedEvents()
        #expect(seen.count == mix.events().count, "every event applied once")
    }

    @Test func sigintExitsZero() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        try sandbox.drop("pair.jsonl", TestEvents.newYorkThenParis(prefix: "int", subject: "cust-int",
            payment: TestEvents.now - 600))
        try sandbox.waitUntilSettled(done: ["pair.jsonl"], rejected: [])
        try sandbox.waitUntil("the task is in the outbox") { try sandbox.outboxSubjects() == ["cust-int"] }
        let process = try #require(sandbox.process)
        #expect(try sandbox.stop(signal: SIGINT, timeout: 10) == 0)
        #expect(process.terminationReason == .exit)
        #expect(sandbox.logText.contains(" stopped "))
    }

    @Test func sigtermWhileIdleExitsZero() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        try sandbox.waitUntil("the daemon has started") { sandbox.logText.contains(" started ") }
        let process = try #require(sandbox.process)
        #expect(try sandbox.stop(signal: SIGTERM, timeout: 10) == 0)
        #expect(process.terminationReason == .exit)
        #expect(sandbox.logText.contains(" stopped "))
    }
}

/// A downstream CRM taking task files: it renames each out of `outbox/new/` into
/// `outbox/taken/`, and notices a task file that appears again after it was taken.
final class OutboxConsumer {
    let sandbox: DaemonSandbox
    private(set) var taken: Set<String> = []
    private(set) var takenTwice: [String] = []
    var folder: URL { sandbox.outbox.appendingPathComponent("taken") }

    init(_ sandbox: DaemonSandbox) {
        self.sandbox = sandbox
    }

    func take() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let new = sandbox.outbox.appendingPathComponent("new")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? [] {
            if taken.contains(name) {
                takenTwice.append(name)
                continue
            }
            guard rename(new.appendingPathComponent(name).path, folder.appendingPathComponent(name).path) == 0 else {
                continue
            }
            taken.insert(name)
        }
    }

    /// Moves every taken file back into `new/` (after the daemon stopped).
    func putBack() throws {
        let new = sandbox.outbox.appendingPathComponent("new")
        for name in taken {
            try FileManager.default.moveItem(at: folder.appendingPathComponent(name), to: new.appendingPathComponent(name))
        }
    }
}
