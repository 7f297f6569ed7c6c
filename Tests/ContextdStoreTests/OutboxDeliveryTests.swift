import ContextdEngine
import ContextdEvents
import ContextdStore
import Foundation
import GRDB
import Synchronization
import Testing

/// The file outbox's marks ride in the group commit (decision 0010): a task staged by the
/// commit that creates it, its barrier run before any row, and a task id the store already
/// holds never staged again.
@Suite struct OutboxDeliveryTests {
    static let time = Timestamp(milliseconds: 1_800_000_000_000)

    static func task(_ id: String) -> TaskRecord {
        TaskRecord(
            id: id, rule: "hot-lead-follow-up", subject: "lead-1", assignee: "user-7", priority: 50, what: "Call",
            where: "phone", how: [], why: "visited pricing", scores: [:], evidence: ["e-1"], createdAt: time,
            notBefore: nil, expiresAt: nil, deferredBy: nil, tags: [], data: [:])
    }

    static func delivery(of id: String, in path: String) throws -> String? {
        try DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "SELECT delivery FROM task WHERE id = ?", arguments: [id])
        }
    }

    @Test func theBarrierRunsBeforeTheRowsAndTheTaskIsInsertedStaged() throws {
        let (store, directory) = try GroupCommitTests.temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("contextd.sqlite").path
        // What another connection saw while the barrier ran: the task must not be there yet.
        let seenDuringBarrier = Mutex<[String?]>([])
        var batch = Commit(changes: StateChanges(clock: Self.time), tasks: [.created(Self.task("t-a"))])
        batch.outbox = OutboxDelivery(staged: ["t-a"], written: [], time: Self.time)
        let receipt = try store.commit(batch, after: {
            let seen = try Self.delivery(of: "t-a", in: path)
            seenDuringBarrier.withLock { $0.append(seen) }
        })

        #expect(seenDuringBarrier.withLock { $0 } == [nil], "the barrier ran once, before the task was committed")
        #expect(receipt.notStaged.isEmpty)
        #expect(try store.tasks(in: .staged).map(\.record.id) == ["t-a"])
        #expect(try store.dueTasks(at: Self.time, limit: 10).isEmpty, "a staged task is not written again")
    }

    @Test func theNextCommitMarksPublishedTasksWritten() throws {
        let (store, directory) = try GroupCommitTests.temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        var first = Commit(changes: StateChanges(clock: Self.time), tasks: [.created(Self.task("t-a")), .created(Self.task("t-b"))])
        first.outbox = OutboxDelivery(staged: ["t-a"], written: [], time: Self.time)
        try store.commit(first)
        #expect(try store.taskCounts() == [.staged: 1, .pending: 1], "only the staged one skips pending")

        var second = Commit(changes: StateChanges(clock: nil))
        second.outbox = OutboxDelivery(staged: [], written: ["t-a"], time: Self.time + .minutes(1))
        try store.commit(second)
        #expect(try store.taskCounts() == [.written: 1, .pending: 1])
    }

    @Test func aTaskIDTheStoreHoldsIsNotStagedAgain() throws {
        let (store, directory) = try GroupCommitTests.temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        try store.commit(Commit(changes: StateChanges(clock: Self.time), tasks: [.created(Self.task("t-a"))]))
        try store.markTasks(["t-a"], as: .written, at: Self.time)

        // The same id made again (a timer fired again after a restart from an older clock).
        var again = Commit(changes: StateChanges(clock: Self.time), tasks: [.created(Self.task("t-a")), .created(Self.task("t-c"))])
        again.outbox = OutboxDelivery(staged: ["t-a", "t-c"], written: [], time: Self.time)
        let receipt = try store.commit(again)

        #expect(receipt.notStaged == ["t-a"], "its file must be dropped, not published twice")
        #expect(try store.taskCounts() == [.written: 1, .staged: 1])
    }

    @Test func anIDTwiceInOneBatchIsStagedOnceAndNotReportedAsHeld() throws {
        let (store, directory) = try GroupCommitTests.temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        var batch = Commit(changes: StateChanges(clock: Self.time),
            tasks: [.created(Self.task("t-a")), .created(Self.task("t-a"))])
        batch.outbox = OutboxDelivery(staged: ["t-a"], written: [], time: Self.time)
        let receipt = try store.commit(batch)
        #expect(receipt.notStaged.isEmpty, "its file is published, not dropped")
        #expect(try store.taskCounts() == [.staged: 1])
    }

    @Test func aFailedBarrierCommitsNothing() throws {
        struct DiskFull: Error {}
        let (store, directory) = try GroupCommitTests.temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        var batch = Commit(changes: StateChanges(clock: Self.time), tasks: [.created(Self.task("t-a"))],
            progress: [FileProgress(spool: "crm", file: "a.jsonl", items: 1, finished: true)])
        batch.outbox = OutboxDelivery(staged: ["t-a"], written: [], time: Self.time)
        #expect(throws: DiskFull.self) { try store.commit(batch, after: { throw DiskFull() }) }
        #expect(try store.taskCounts().isEmpty)
        #expect(try store.progress(spool: "crm").isEmpty)
    }
}
