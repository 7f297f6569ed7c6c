public import ContextdEngine
public import ContextdEvents

/// Where the daemon keeps everything that must survive a crash: entity context, timers,
/// dedup records, tasks and their delivery state, and how far each spool file got.
///
/// The union of the roles the daemon's loop uses today (docs/decisions/0016-store-by-role.md):
/// ``EngineStateStore``, ``OutboxLedger`` and ``SpoolLedger``, plus two synchronous reads that
/// go once their callers await (``TaskBrowser/explanation(of:)`` and
/// ``StoreHealthProbe/taskCounts()`` are their asynchronous forms). Every method that changes
/// state does so in one transaction: after a crash the store holds the state after a whole
/// number of commits.
public protocol StateStore: EngineStateStore, OutboxLedger, SpoolLedger {
    /// Counts of tasks by delivery state.
    func taskCounts() throws -> [TaskDelivery: Int]

    /// A task, or a candidate a policy stopped, and the explanation kept with it
    /// (`contextd explain TASK_ID`); nil when unknown.
    func explanation(of taskID: String) throws -> StoredExplanation?
}

/// Why a task exists, as `replay --explain` prints it; `appends` adds a line (an early
/// release) to the explanation kept when the task was created.
public struct TaskExplanation: Sendable {
    public var taskID: String
    public var text: String
    public var appends: Bool
    public init(taskID: String, text: String, appends: Bool) {
        self.taskID = taskID
        self.text = text
        self.appends = appends
    }
}

/// Everything one batch changes, committed together.
public struct Commit: Sendable {
    public var changes: StateChanges
    public var tasks: [TaskChange]
    /// How far each file the batch read got: a group of files applied together, each with
    /// its own row.
    public var progress: [FileProgress]
    /// The lines of those files that were rejected, each with its file.
    public var rejects: [FileReject]
    /// Files whose whole handling is over (moved out of `cur/`): forget their progress and
    /// rejects. Forgotten before ``progress`` is written, so a file name that comes back (a
    /// producer reusing it) in the same batch keeps its new row.
    public var finishedFiles: [(spool: String, file: String)]
    public var explanations: [TaskExplanation]
    /// Outcomes (``PendingOutcome/seq``) the engine applied in this batch: no longer pending.
    public var appliedOutcomes: [Int64]
    /// The file outbox's part of the batch; nil when it has none.
    public var outbox: OutboxDelivery?
    /// A node of several: the leases the batch was computed under, checked by the commit's own
    /// transaction (``CommitFence``); nil for a daemon alone.
    public var fence: CommitFence?

    public init(
        changes: StateChanges, tasks: [TaskChange] = [], progress: [FileProgress] = [], rejects: [FileReject] = [],
        finishedFiles: [(spool: String, file: String)] = [], explanations: [TaskExplanation] = [],
        appliedOutcomes: [Int64] = [], fence: CommitFence? = nil
    ) {
        self.fence = fence
        self.appliedOutcomes = appliedOutcomes
        self.explanations = explanations
        self.changes = changes
        self.tasks = tasks
        self.progress = progress
        self.rejects = rejects
        self.finishedFiles = finishedFiles
    }
}

/// The file outbox's part of a commit (docs/decisions/0010-outbox-marks-in-the-group-commit.md).
///
/// A task made due by the batch is written to the outbox's `tmp/` before the batch commits,
/// and inserted `staged` by the same transaction, instead of being committed `pending` and
/// staged by a commit of its own afterwards. Tasks renamed into `new/` since the previous
/// commit are marked `written` by this one. The commit's barrier (``CommitBarrier``) puts those files
/// and renames on disk first: neither mark can reach the disk before what it says, which is
/// what ``TaskDelivery`` recovery relies on.
public struct OutboxDelivery: Sendable {
    /// Ids of `.created` tasks of the batch whose files are complete in `tmp/`.
    public var staged: Set<String>
    /// Ids of tasks (staged by an earlier commit) whose files are now in `new/`.
    public var written: [String]
    /// `delivered_at` of both marks.
    public var time: Timestamp

    public init(staged: Set<String>, written: [String], time: Timestamp) {
        self.staged = staged
        self.written = written
        self.time = time
    }
}

/// What a commit reports back.
public struct CommitReceipt: Sendable {
    /// Staged tasks the store did not insert because it already held their id (a timer that
    /// fired again after a restart, say): their files in `tmp/` must be dropped, not published,
    /// since a task file is written exactly once.
    public var notStaged: Set<String> = []
    public init(notStaged: Set<String> = []) { self.notStaged = notStaged }
}

/// A rejected line and the spool file it came from.
public struct FileReject: Sendable {
    public var spool: String
    public var file: String
    public var rejection: EventRejection
    /// A valid event set aside as too late (`limits.allowed_lateness`) rather than a bad line:
    /// its ``EventRejection/raw`` is the whole original text, to go to `<file>.late.jsonl`.
    public var late: Bool

    public init(spool: String, file: String, rejection: EventRejection, late: Bool = false) {
        self.spool = spool
        self.file = file
        self.rejection = rejection
        self.late = late
    }
}

/// How far a spool file got: its first `items` lines or batch elements (events and rejects
/// alike) are applied; `finished` once the whole file is read.
public struct FileProgress: Sendable, Hashable {
    public var spool: String
    public var file: String
    public var items: Int
    public var finished: Bool

    public init(spool: String, file: String, items: Int, finished: Bool) {
        self.spool = spool
        self.file = file
        self.items = items
        self.finished = finished
    }
}

/// Where a task is on its way out.
public enum TaskDelivery: String, Sendable, CaseIterable {
    /// Committed, not yet handed out (possibly not due yet).
    case pending
    /// Its outbox file is complete in `tmp/`; the rename into `new/` may or may not have happened.
    case staged
    /// Its outbox file is in `new/` (or was, before a consumer took it).
    case written
    /// `expires_at` passed before it was handed out.
    case expired
    /// Due, for a consumer that polls over HTTP: the next lease may take it.
    case queued
    /// Handed to an HTTP consumer until `lease_until`; invisible to other pollers.
    case leased
    /// A consumer reported its outcome (`done`, `accepted` or `rejected`).
    case acked
    /// Leased `max_attempts` times without an ack; waits for an operator to requeue it.
    case dead
}

/// What `contextd explain TASK_ID` shows: the task (or stopped candidate), where it is now
/// (`written`, `acked (rejected: …)`, `suppressed by policy contact-cap`), and why it exists.
public struct StoredExplanation: Sendable {
    public var record: TaskRecord
    public var status: String
    public var text: String?
}

/// A task as the store keeps it.
public struct StoredTask: Sendable {
    public var record: TaskRecord
    public var delivery: TaskDelivery
}
