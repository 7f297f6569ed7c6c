public import ContextdEngine
public import ContextdEvents

/// What the engine needs kept to go on after a crash: its clock, entity contexts, timers,
/// dedup and limit records, and the group commit that writes them with the batch's tasks.
///
/// A role of its own because only the daemon's loop uses it, on its own thread, one commit
/// at a time: nothing here needs `async`, and a backend may keep one connection for it
/// (SQLite: the writer) apart from the ones the HTTP API waits on
/// (docs/decisions/0016-store-by-role.md).
public protocol EngineStateStore: AnyObject, Sendable {
    /// The engine state to go on from; without the entity contexts when the engine reads them
    /// back one by one as events need them (``ContextSource``).
    func snapshot(includingContexts: Bool) throws -> EngineSnapshot

    /// The context last committed for `subject`, nil when none is: what the engine reads back
    /// when an event needs an entity it let go of. Must not wait for a commit in flight: the
    /// engine never lets go of a context that commit holds (decision 0009).
    func storedContext(of subject: String) throws -> EntityContext?

    /// Starts committing `batch` in one transaction (the engine's state changes, the tasks it
    /// made, file progress and rejects, the outbox's marks) and returns at once; `barrier` runs
    /// first, before anything of the transaction can be durable. Commits run in the order they
    /// were started; what the loop asks next (a due-task read, say) sees this one's rows.
    func startCommit(_ batch: Commit, after barrier: CommitBarrier?) -> PendingCommit

    /// Forgets `(source, id)` records older than `horizon` (the dedup retention); returns how many.
    func forgetSeenEvents(before horizon: Timestamp) throws -> Int

    /// Ends the store's connections at shutdown, after the last commit has landed; nothing is
    /// called after it. A store whose connections end with the process (SQLite's) does nothing.
    func close()

    /// Forgets candidates a policy stopped before `horizon`, with their explanations: kept to
    /// answer "why did this not go out?" for as long as dedup records are kept.
    func forgetSuppressed(before horizon: Timestamp) throws -> Int
}

extension EngineStateStore {
    /// Commits `batch` and waits until it is durable (``startCommit(_:after:)``).
    @discardableResult public func commit(_ batch: Commit, after barrier: CommitBarrier? = nil) throws -> CommitReceipt {
        try startCommit(batch, after: barrier).wait()
    }

    /// The whole engine state, every entity context included.
    public func snapshot() throws -> EngineSnapshot { try snapshot(includingContexts: true) }
}
