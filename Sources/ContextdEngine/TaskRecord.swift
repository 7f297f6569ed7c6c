public import ContextdEvents

/// A next-best-action task: the outbox record of SPEC §3.
///
/// Named `TaskRecord` so it never shadows Swift's `Task`.
public struct TaskRecord: Sendable, Hashable {
    public var id: String
    public var rule: String
    public var subject: String
    public var assignee: String
    public var priority: Double
    public var what: String
    public var `where`: String
    public var how: [String]
    public var why: String
    public var scores: [String: Score]
    public var evidence: [String]
    public var createdAt: Timestamp
    public var notBefore: Timestamp?
    public var expiresAt: Timestamp?
    public var deferredBy: String?
    public var tags: [String]
    public var data: [String: Value]

    public init(
        id: String, rule: String, subject: String, assignee: String, priority: Double, what: String, where: String,
        how: [String], why: String, scores: [String: Score], evidence: [String], createdAt: Timestamp,
        notBefore: Timestamp?, expiresAt: Timestamp?, deferredBy: String?, tags: [String], data: [String: Value]
    ) {
        self.id = id
        self.rule = rule
        self.subject = subject
        self.assignee = assignee
        self.priority = priority
        self.what = what
        self.where = `where`
        self.how = how
        self.why = why
        self.scores = scores
        self.evidence = evidence
        self.createdAt = createdAt
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.deferredBy = deferredBy
        self.tags = tags
        self.data = data
    }

    /// How policies and release conditions see the task (`task.priority`, `task.where`, …).
    public var asValue: Value {
        .object([
            "id": .string(id), "rule": .string(rule), "subject": .string(subject), "assignee": .string(assignee),
            "priority": .number(priority), "what": .string(what), "where": .string(`where`),
            "how": .list(how.map(Value.string)), "why": .string(why),
            "scores": .object(scores.mapValues { .number($0.value) }), "evidence": .list(evidence.map(Value.string)),
            "created_at": .timestamp(createdAt), "not_before": notBefore.map(Value.timestamp) ?? .null,
            "expires_at": expiresAt.map(Value.timestamp) ?? .null, "deferred_by": deferredBy.map(Value.string) ?? .null,
            "tags": .list(tags.map(Value.string)), "data": .object(data),
        ])
    }
}
