public import ContextdEngine
public import ContextdEvents

/// The file outbox's side of the `task` rows: which pending tasks are due, which expired
/// before they could go out, and the two-step marks (`staged`, `written`) that make each task
/// file appear exactly once (`FileOutbox`, decision 0010).
///
/// Used by the daemon's loop only, between commits, so synchronous like ``EngineStateStore``.
/// Which task is due is decided by ``TaskRecord/isDue(at:)``; a backend that
/// selects due rows in its own query language must select exactly those.
public protocol OutboxLedger: AnyObject, Sendable {
    /// Pending tasks due at `clock` (``TaskRecord/isDue(at:)``), highest
    /// priority first, then oldest, then by id.
    ///
    /// Expiry is judged at the instant a task becomes due on the engine's clock, not at the
    /// instant the daemon gets to write it, so what reaches the outbox depends only on the
    /// events and the rules, never on how files were sliced or when the daemon restarted.
    func dueTasks(at clock: Timestamp, limit: Int) throws -> [StoredTask]

    /// Marks pending tasks that expired before they became due (at or before `clock`) as
    /// expired; returns how many.
    func expireTasks(at clock: Timestamp) throws -> Int

    /// Moves tasks to `state` (`staged`, then `written`), noting `time` as when.
    func markTasks(_ ids: [String], as state: TaskDelivery, at time: Timestamp) throws

    /// Every task in `state`, highest priority first: what recovery looks at (`staged`).
    func tasks(in state: TaskDelivery) throws -> [StoredTask]

    /// The earliest due time after `clock` of a pending task, so the daemon knows when to wake.
    func nextDue(after clock: Timestamp) throws -> Timestamp?
}

/// When a task may go out, defined here once for every backend and for the file outbox, which
/// stages the tasks of a batch before the batch is stored (decision 0010): the outbox and the
/// HTTP queue hand out exactly the tasks this says are due, so the two can never disagree.
extension TaskRecord {
    /// When it becomes due: its `not_before`, or when it was created.
    public var dueAt: Timestamp { notBefore ?? createdAt }

    /// It expires at or before it becomes due: it is never handed out, only marked expired.
    public var expiresBeforeDue: Bool { expiresAt.map { $0 <= dueAt } ?? false }

    /// Due at `clock` and not expired when it became due.
    public func isDue(at clock: Timestamp) -> Bool { dueAt <= clock && !expiresBeforeDue }
}
