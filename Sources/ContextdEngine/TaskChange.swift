/// What an applied event or a clock advance did to the task stream.
public enum TaskChange: Sendable, Hashable {
    /// A new task passed every policy.
    case created(TaskRecord)
    /// A deferred task was released early: its `not_before` moved earlier.
    case released(TaskRecord)
    /// A new task passed every policy, but its `expires_at` was already reached by the clock
    /// when it was created (a late event's task, say): it can never be handed out. Kept and
    /// counted as expired, never silently dropped.
    case expiredOnArrival(TaskRecord)
    /// A candidate task was stopped by a policy (or the rule's own dedup, named `dedup`).
    case suppressed(TaskRecord, policy: String)
}

/// Counts kept while the engine runs: what `replay --stats` prints and the daemon exports.
public struct EngineStatistics: Sendable, Hashable {
    public var events = 0
    public var duplicates = 0
    /// Events older than the clock minus ``Engine/allowedLateness``: not applied.
    public var late = 0
    public var timersFired = 0
    public var tasksCreated = 0
    public var tasksSuppressed = 0
    public var tasksReleased = 0
    /// Tasks created already expired (``TaskChange/expiredOnArrival(_:)``); also in ``tasksCreated``.
    public var tasksExpiredOnArrival = 0
    public var evaluationErrors = 0
    /// With ``Engine/partitionOf``: early releases by an event of another partition than the
    /// task's subject, and contact-cap decisions (`by: assignee`) for an assignee in another
    /// partition than the task's subject. What a node of several must get right across
    /// partitions (decision 0018 §3), counted so that a test can tell it happened.
    public var crossingReleases = 0
    public var crossingContactDecisions = 0
    public var rules: [String: RuleStatistics] = [:]

    public init() {}
}

/// Counts per rule: what `replay --stats` prints under `rules` and the daemon exports as
/// per-rule metrics.
public struct RuleStatistics: Sendable, Hashable {
    /// Evaluations (one per event or timer, per `for_each` item).
    public var evaluations = 0
    /// Evaluations whose `when` held.
    public var matches = 0
    /// Tasks emitted (past every policy).
    public var tasks = 0
    /// Candidate tasks a policy or the rule's own dedup stopped.
    public var suppressed = 0
    /// ``suppressed`` by the policy (or `dedup`) that stopped each candidate: counted only where
    /// a candidate is stopped, so evaluations that emit nothing pay nothing for it.
    public var suppressedBy: [String: Int] = [:]
    /// Run-time faults (the rule's expressions, or a policy's on its tasks).
    public var errors = 0
    /// Time spent evaluating the rule, when ``Engine/monotonicClock`` is set; else 0.
    public var nanoseconds: UInt64 = 0
    public init() {}
}

/// A rule or policy expression that failed at run time; the condition counted as false.
public struct EvaluationFault: Sendable, Hashable {
    public var rule: String
    public var eventID: String?
    public var message: String
}
