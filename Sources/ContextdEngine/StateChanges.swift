public import ContextdEvents

/// The durable part of the engine's state that changed since the last checkpoint.
///
/// The daemon commits it in one transaction with the tasks and the file progress of a batch,
/// so the store always holds the state after a whole number of batches. Everything is keyed
/// by entity, event or policy key, never by process, so a store can hold it for many daemons.
public struct StateChanges: Sendable {
    /// The clock after the batch.
    public var clock: Timestamp?
    /// The current context of every entity whose context changed.
    public var contexts: [EntityContext] = []
    /// For each (rule, subject) whose timers changed, the timers it has now (empty: none).
    public var timers: [TimerOwner: [TimerEntry]] = [:]
    /// Events applied for the first time: their idempotency keys.
    public var seenEvents: [SeenEvent] = []
    /// Dedup keys claimed, with the time of the task that claimed them.
    public var dedupKeys: [String: Timestamp] = [:]
    /// Suppress-limit keys claimed, with the times still inside their window.
    public var limitKeys: [String: [Timestamp]] = [:]

    public init(clock: Timestamp?) { self.clock = clock }

    public var isEmpty: Bool {
        contexts.isEmpty && timers.isEmpty && seenEvents.isEmpty && dedupKeys.isEmpty && limitKeys.isEmpty
    }
}

/// Whose timers: the timers of one timed rule for one entity are replaced together.
public struct TimerOwner: Sendable, Hashable {
    public var rule: String
    public var subject: String
    public init(rule: String, subject: String) {
        self.rule = rule
        self.subject = subject
    }
}

/// The idempotency key of an applied event, `(source, id)`, and its event time (for retention).
public struct SeenEvent: Sendable, Hashable {
    public var source: String
    public var id: String
    public var time: Timestamp
    public init(source: String, id: String, time: Timestamp) {
        self.source = source
        self.id = id
        self.time = time
    }
}
