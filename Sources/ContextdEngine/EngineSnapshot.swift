public import ContextdEvents

/// Everything an engine needs to go on where a previous process stopped: what a store hands
/// back on start.
///
/// Timers are kept by rule id, not by rule order, so a snapshot taken under one rule set can be
/// restored under an edited one: timers of rules that no longer exist are dropped.
public struct EngineSnapshot: Sendable {
    public var clock: Timestamp?
    public var contexts: [EntityContext]
    public var timers: [TimerEntry]
    public var seenEvents: [SeenEvent]
    public var dedupKeys: [String: Timestamp]
    public var limitKeys: [String: [Timestamp]]
    /// Tasks created with a `not_before` that an event may still release early.
    public var deferredTasks: [TaskRecord]

    public init(
        clock: Timestamp? = nil, contexts: [EntityContext] = [], timers: [TimerEntry] = [],
        seenEvents: [SeenEvent] = [], dedupKeys: [String: Timestamp] = [:], limitKeys: [String: [Timestamp]] = [:],
        deferredTasks: [TaskRecord] = []
    ) {
        self.clock = clock
        self.contexts = contexts
        self.timers = timers
        self.seenEvents = seenEvents
        self.dedupKeys = dedupKeys
        self.limitKeys = limitKeys
        self.deferredTasks = deferredTasks
    }
}
