public import ContextdEngine
public import ContextdEvents

/// The rules of the HTTP work queue (SPEC §3): how long a lease lasts, and how many leases a
/// task gets before it is dead-lettered instead of handed out again.
public struct LeaseTerms: Sendable, Hashable {
    /// How long a leased task stays invisible to other pollers (SPEC: 300 s by default).
    public var duration: TimeSpan
    /// A task whose lease ends (runs out or is released) after this many leases goes to the
    /// dead-letter state, so one poison task cannot circle for ever.
    public var maxAttempts: Int

    public init(duration: TimeSpan = .seconds(300), maxAttempts: Int = 5) {
        self.duration = duration
        self.maxAttempts = maxAttempts
    }
}

/// A task handed to one poller until `until`.
public struct LeasedTask: Sendable {
    public var record: TaskRecord
    /// Names this lease: an ack or release that gives it proves it still holds the task.
    public var leaseID: String
    public var until: Timestamp
    /// 1 for the first lease; it rises each time the task is leased again.
    public var attempt: Int
}

/// A task after an ack, a release or a requeue.
public struct TaskState: Sendable {
    public var record: TaskRecord
    public var delivery: TaskDelivery
    public var attempts: Int
    public var outcome: String?
    public var note: String?
}

/// Why an ack, release or requeue was refused; each maps to the HTTP status a REST client
/// expects (404, 403, 409).
public enum LeaseRefusal: Error, Sendable, Equatable {
    /// No task has this id.
    case unknownTask
    /// The task's assignee is outside the caller's assignee prefixes.
    case outOfScope(assignee: String)
    /// The task was acked before, with this outcome.
    case alreadyAcked(outcome: String)
    /// The lease ran out (or was released) before the ack; the task may be with another poller.
    case leaseExpired
    /// The lease id given is not the task's current lease.
    case leaseMismatch
    /// The task is in a state the operation does not apply to (not leased, not dead).
    case wrongState(TaskDelivery)
}

/// An outcome reported over HTTP that the engine has not applied yet (as a
/// `contextd.task.outcome` event).
public struct PendingOutcome: Sendable {
    public var seq: Int64
    public var task: String
    public var rule: String
    public var subject: String
    public var assignee: String
    public var outcome: String
    public var note: String?
    public var time: Timestamp

    /// The `contextd.task.outcome` event the engine applies for it; nil for an outcome word this
    /// version does not know (acked outcomes were checked then: a newer version's word).
    public var event: Event? {
        TaskOutcome.Outcome(rawValue: outcome).map {
            TaskOutcome(task: task, rule: rule, subject: subject, assignee: assignee, outcome: $0, note: note ?? "",
                time: time).event
        }
    }
}

/// Whether `assignee` falls under one of `prefixes` (an empty prefix covers everyone).
public func assignee(_ assignee: String, isUnder prefixes: [String]) -> Bool {
    prefixes.contains { assignee.hasPrefix($0) }
}

extension Result where Failure == LeaseRefusal {
    /// Runs `transform` (which may throw a database error) on success; a refusal passes through.
    func map<New>(_ transform: (Success) throws -> New) rethrows -> Result<New, LeaseRefusal> {
        switch self {
        case .success(let value): return .success(try transform(value))
        case .failure(let refusal): return .failure(refusal)
        }
    }
}
