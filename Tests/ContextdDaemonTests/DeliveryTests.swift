@testable import ContextdDaemon
import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdStore
import Foundation
import Testing

/// The loop's delivery, on its own over a real SQLite store and a real outbox directory: the
/// two-step marks of decision 0010 (staged by the group's commit, published once it is
/// durable, marked written by the next), and the flush that queues HTTP tasks, writes the
/// others and expires what expired before it was due.
@Suite struct DeliveryTests {
    static let time = LoopPartsDirectory.time

    static func delivery(in directory: LoopPartsDirectory, signal: TaskSignal = TaskSignal()) throws -> Delivery {
        Delivery(outbox: try FileOutbox(directory: directory.path("outbox")), store: directory.store,
            httpAssignees: ["queue:"], signal: signal)
    }

    @Test func aGroupsDueTasksAreStagedByItsCommitPublishedAfterItAndMarkedWrittenByTheNext() throws {
        let directory = try LoopPartsDirectory()
        let delivery = try Self.delivery(in: directory)
        let due = LoopPartsDirectory.task("t-due")
        let tasks: [TaskChange] = [
            .created(due),
            .created(LoopPartsDirectory.task("t-later", notBefore: Self.time + .hours(1))),
            .created(LoopPartsDirectory.task("t-http", assignee: "queue:crm")),
        ]
        // Staged: only the task due now and not for an HTTP assignee, written to tmp/ only.
        let staged = try delivery.stage(tasks, at: Self.time)
        #expect(staged == ["t-due"])
        #expect(try directory.names(in: "outbox/tmp") == ["t-due.json"])
        #expect(try directory.names(in: "outbox/new") == [])

        var batch = Commit(changes: StateChanges(clock: Self.time), tasks: tasks)
        let barrier = delivery.mark(&batch, staged: staged, forgetting: [], at: Self.time)
        #expect(barrier != nil, "the staged file is flushed before the commit")
        #expect(batch.outbox?.staged == ["t-due"])
        #expect(batch.outbox?.written == [])
        let receipt = try directory.store.commit(batch, after: barrier)
        #expect(try directory.store.tasks(in: .staged).map(\.record.id) == ["t-due"])
        #expect(try directory.store.tasks(in: .pending).map(\.record.id).sorted() == ["t-http", "t-later"])

        // Durable: the file goes to new/, and waits for the next commit's mark.
        #expect(try delivery.publish(staged, receipt: receipt) == 1)
        #expect(try directory.names(in: "outbox/tmp") == [])
        #expect(try directory.names(in: "outbox/new") == ["t-due.json"])
        #expect(try String(contentsOfFile: directory.path("outbox/new/t-due.json"), encoding: .utf8) == due.json + "\n")
        #expect(delivery.awaitsMarks)

        var next = Commit(changes: StateChanges(clock: nil))
        let nextBarrier = delivery.mark(&next, staged: [], forgetting: [], at: Self.time + .seconds(1))
        #expect(nextBarrier != nil, "the rename into new/ is flushed before it is marked")
        #expect(next.outbox?.written == ["t-due"])
        #expect(!delivery.awaitsMarks)
        try directory.store.commit(next, after: nextBarrier)
        #expect(try directory.store.tasks(in: .written).map(\.record.id) == ["t-due"])
        #expect(try directory.store.tasks(in: .staged).isEmpty)

        // Nothing staged, nothing published: no marks, no barrier.
        var empty = Commit(changes: StateChanges(clock: nil))
        #expect(delivery.mark(&empty, staged: [], forgetting: [], at: Self.time) == nil)
        #expect(empty.outbox == nil)
    }

    @Test func aStagedTaskTheStoreAlreadyHeldIsNotPublishedAgain() throws {
        let directory = try LoopPartsDirectory()
        let delivery = try Self.delivery(in: directory)
        let task = LoopPartsDirectory.task("t-once")
        try directory.store.commit(Commit(changes: StateChanges(clock: Self.time), tasks: [.created(task)]))

        // A redone group makes the same task again: its insert is refused, so is its file.
        let staged = try delivery.stage([.created(task)], at: Self.time)
        var batch = Commit(changes: StateChanges(clock: Self.time), tasks: [.created(task)])
        let barrier = delivery.mark(&batch, staged: staged, forgetting: [], at: Self.time)
        let receipt = try directory.store.commit(batch, after: barrier)
        #expect(receipt.notStaged == ["t-once"])
        #expect(try delivery.publish(staged, receipt: receipt) == 0)
        #expect(try directory.names(in: "outbox/tmp") == [])
        #expect(try directory.names(in: "outbox/new") == [])
        #expect(!delivery.awaitsMarks)
    }

    @Test func aFlushQueuesHTTPTasksWritesTheOthersAndExpiresWhatExpiredBeforeItWasDue() throws {
        let directory = try LoopPartsDirectory()
        let signal = TaskSignal()
        let delivery = try Self.delivery(in: directory, signal: signal)
        let later = Self.time + .hours(1)
        try directory.store.commit(Commit(changes: StateChanges(clock: Self.time), tasks: [
            .created(LoopPartsDirectory.task("t-file", notBefore: later)),
            .created(LoopPartsDirectory.task("t-http", assignee: "queue:crm", notBefore: later)),
            .created(LoopPartsDirectory.task("t-gone", notBefore: later, expiresAt: later)),
            .created(LoopPartsDirectory.task("t-future", notBefore: later + .hours(1))),
        ]))

        #expect(try delivery.flush(at: Self.time, heartbeat: {}) == DeliveryCounts())
        #expect(signal.generation == 0, "nothing queued, no poll woken")

        var heartbeats = 0
        #expect(try delivery.flush(at: later, heartbeat: { heartbeats += 1 }) == DeliveryCounts(queued: 1, written: 1, expired: 1))
        #expect(heartbeats == 1, "one group of files written")
        #expect(signal.generation == 1, "the long polls were woken for the queued task")
        #expect(try directory.names(in: "outbox/new") == ["t-file.json"])
        #expect(try directory.store.tasks(in: .written).map(\.record.id) == ["t-file"])
        #expect(try directory.store.tasks(in: .queued).map(\.record.id) == ["t-http"])
        #expect(try directory.store.tasks(in: .expired).map(\.record.id) == ["t-gone"])
        #expect(try directory.store.tasks(in: .pending).map(\.record.id) == ["t-future"])
        #expect(try delivery.flush(at: later, heartbeat: {}) == DeliveryCounts(), "each task goes out once")
    }
}
