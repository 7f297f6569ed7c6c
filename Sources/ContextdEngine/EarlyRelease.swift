public import ContextdEvents

/// A deferred task released early by an event about its assignee (see ``EngineObserver``):
/// its `not_before` moved from `previousNotBefore` to the event's time.
public struct EarlyRelease: Sendable, Hashable {
    /// The task as released (with its new `not_before`).
    public var task: TaskRecord
    /// The defer policy whose `release` matched.
    public var policy: String
    public var eventID: String
    public var eventSource: String
    public var eventType: String
    public var previousNotBefore: Timestamp
    public var notBefore: Timestamp

    public init(
        task: TaskRecord, policy: String, eventID: String, eventSource: String, eventType: String,
        previousNotBefore: Timestamp, notBefore: Timestamp
    ) {
        self.task = task
        self.policy = policy
        self.eventID = eventID
        self.eventSource = eventSource
        self.eventType = eventType
        self.previousNotBefore = previousNotBefore
        self.notBefore = notBefore
    }
}
