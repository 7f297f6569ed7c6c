public import ContextdEngine
public import ContextdEvents

/// The HTTP work queue (SPEC §3): due tasks for HTTP assignees are queued, leased to pollers,
/// acked with an outcome, released, dead-lettered after ``LeaseTerms/maxAttempts`` leases and
/// requeued by an operator; the outcomes wait here until the engine applies them.
///
/// Every operation is one transaction, judged at the time the caller passes (the wall clock
/// in the daemon, a controlled clock in tests), and no two pollers may ever hold the same
/// task. Ends of leases are noticed lazily, at the next lease, ack or listing: no timer.
/// The HTTP side is `async` so that a request waits for the database without holding one of
/// the server's threads; ``queueDueTasks(assigneePrefixes:at:)`` and
/// ``pendingOutcomes(limit:)`` are called by the daemon's loop, between commits, like
/// ``EngineStateStore``.
public protocol TaskQueue: AnyObject, Sendable {
    /// Marks pending tasks due at `clock` (``TaskRecord/isDue(at:)``) whose
    /// assignee is under `prefixes` as `queued` for HTTP pollers instead of the file outbox;
    /// returns how many. No prefixes queue nothing.
    func queueDueTasks(assigneePrefixes prefixes: [String], at clock: Timestamp) throws -> Int

    /// Leases up to `limit` queued tasks under `prefixes` to `holder`: highest priority first,
    /// then oldest. Ends overdue leases and expires queued tasks past `expires_at` first.
    func lease(
        assigneePrefixes prefixes: [String], limit: Int, holder: String, terms: LeaseTerms, at now: Timestamp
    ) async throws -> [LeasedTask]

    /// Records a consumer's outcome for a task it holds, and keeps the outcome for the engine
    /// (``pendingOutcomes(limit:)``), in one transaction.
    func ack(
        taskID: String, leaseID: String?, outcome: TaskOutcome.Outcome, note: String?, scope prefixes: [String],
        at now: Timestamp
    ) async throws -> Result<TaskState, LeaseRefusal>

    /// Gives a lease back: the task is queued again at once (or dead, after its last attempt).
    func release(
        taskID: String, leaseID: String?, scope prefixes: [String], terms: LeaseTerms, at now: Timestamp
    ) async throws -> Result<TaskState, LeaseRefusal>

    /// Puts a dead-lettered task back in the queue with its attempts reset.
    func requeue(taskID: String, scope prefixes: [String]) async throws -> Result<TaskState, LeaseRefusal>

    /// Dead-lettered tasks under `prefixes`, highest priority first, after ending overdue
    /// leases (so a task whose last lease just ran out is listed).
    func deadLetters(
        assigneePrefixes prefixes: [String], limit: Int, terms: LeaseTerms, at now: Timestamp
    ) async throws -> [TaskState]

    /// When the next lease runs out, so a long poll can wake for the task it frees.
    func nextLeaseEnd() async throws -> Timestamp?

    /// Outcomes the engine has not applied yet, oldest first; a commit's
    /// ``Commit/appliedOutcomes`` removes them.
    func pendingOutcomes(limit: Int) throws -> [PendingOutcome]
}
