import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdStore

/// The loop's way from committed tasks to their consumers: the file outbox's two-step marks
/// (decision 0010) and the HTTP queue. Apart from the loop so that it can be tested over a real
/// store without a spool or an engine; it touches the store only through the roles that own
/// the task rows' delivery (``OutboxLedger``, ``TaskQueue``).
///
/// The order it keeps, with the loop: a group's due tasks are staged in `tmp/` before its
/// commit (``stage(_:at:)``), marked `staged` by that commit (``mark(_:staged:forgetting:at:)``),
/// renamed into `new/` once it is durable (``publish(_:receipt:)``) and marked `written` by the
/// next commit. Every other due task goes through ``flush(at:heartbeat:)``.
final class Delivery {
    let outbox: FileOutbox
    let store: any OutboxLedger & TaskQueue
    /// Assignees served over HTTP: their tasks are queued, never written as files.
    let httpAssignees: [String]
    /// Wakes HTTP long polls when tasks are queued for them.
    let signal: TaskSignal
    /// Tasks whose files were renamed into the outbox's `new/` since the last commit: the next
    /// commit marks them `written`.
    private(set) var published: [String] = []

    init(outbox: FileOutbox, store: any OutboxLedger & TaskQueue, httpAssignees: [String], signal: TaskSignal) {
        self.outbox = outbox
        self.store = store
        self.httpAssignees = httpAssignees
        self.signal = signal
    }

    /// Writes into `tmp/` (unsynced) the file of each task of a batch due at `clock` and not for
    /// an HTTP assignee; returns their ids, for the batch's commit to mark `staged`.
    func stage(_ tasks: [TaskChange], at clock: Timestamp?) throws -> [String] {
        try outbox.stage(tasks, at: clock, httpAssignees: httpAssignees)
    }

    /// Adds the outbox's marks to `batch` (its own staged tasks, the tasks published since the
    /// last commit) and returns the barrier that puts on disk what they describe, with the
    /// spool directories the batch forgets files of; nil when there is nothing to flush.
    func mark(_ batch: inout Commit, staged: [String], forgetting directories: [String], at time: Timestamp)
        -> CommitBarrier?
    {
        var barrier = DiskFlushes(directories: directories)
        if !staged.isEmpty { barrier.fileSystemOf = outbox.tmp }
        if !published.isEmpty { barrier.directories.append(outbox.new) }
        if !staged.isEmpty || !published.isEmpty {
            batch.outbox = OutboxDelivery(staged: Set(staged), written: published, time: time)
        }
        published = []
        if barrier.isEmpty { return nil }
        return { @Sendable [barrier] in try barrier.run() }
    }

    /// Whether renames into `new/` wait for a commit to mark them `written`.
    var awaitsMarks: Bool { !published.isEmpty }

    /// Once the commit that staged them is durable: renames the files into `new/` (dropping
    /// those whose task the store did not insert); the next commit marks them. Returns how many.
    func publish(_ staged: [String], receipt: CommitReceipt) throws -> Int {
        let now = try outbox.publish(staged, receipt: receipt)
        published += now
        return now.count
    }

    /// Everything due at `clock` goes out: HTTP assignees' tasks queued (and the long polls
    /// woken), the rest written to the outbox, those that expired before they were due marked
    /// so. `heartbeat` is called between groups of files.
    func flush(at clock: Timestamp, heartbeat: () -> Void) throws -> DeliveryCounts {
        let queued = try store.queueDueTasks(assigneePrefixes: httpAssignees, at: clock)
        if queued > 0 { signal.ring() }
        let result = try outbox.flush(store: store, clock: clock, heartbeat: heartbeat)
        return DeliveryCounts(queued: queued, written: result.written, expired: result.expired)
    }
}

/// What one ``Delivery/flush(at:heartbeat:)`` did, for the telemetry.
struct DeliveryCounts: Equatable {
    var queued = 0
    var written = 0
    var expired = 0
}
