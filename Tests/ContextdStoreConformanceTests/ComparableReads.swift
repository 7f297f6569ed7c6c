import ContextdEngine
import ContextdEvents
import ContextdStore

// What the roles give back, as values a test compares with `==` field by field. The store's
// own types carry no `Equatable` (nothing in the daemon compares them); these copy every
// field, so a backend that loses or changes one fails the comparison that names it.

/// A ``StoredTask``: the whole record and where it is.
struct StoredTaskRead: Equatable, Sendable {
    var record: TaskRecord
    var delivery: TaskDelivery

    init(_ task: StoredTask) {
        record = task.record
        delivery = task.delivery
    }

    init(_ record: TaskRecord, _ delivery: TaskDelivery) {
        self.record = record
        self.delivery = delivery
    }
}

/// A ``BrowsedTask``, every field.
struct BrowsedTaskRead: Equatable, Sendable {
    var record: TaskRecord
    var delivery: TaskDelivery
    var deferred: Bool
    var attempts: Int
    var outcome: String?
    var note: String?
    var deliveredAt: Timestamp?
    var ackedAt: Timestamp?
    var leaseHolder: String?
    var leaseUntil: Timestamp?
    var stateText: String

    init(_ task: BrowsedTask) {
        record = task.record
        delivery = task.delivery
        deferred = task.deferred
        attempts = task.attempts
        outcome = task.outcome
        note = task.note
        deliveredAt = task.deliveredAt
        ackedAt = task.ackedAt
        leaseHolder = task.leaseHolder
        leaseUntil = task.leaseUntil
        stateText = task.stateText
    }
}

/// A ``TaskState`` after an ack, a release or a requeue.
struct TaskStateRead: Equatable, Sendable {
    var id: String
    var delivery: TaskDelivery
    var attempts: Int
    var outcome: String?
    var note: String?

    init(_ state: TaskState) {
        id = state.record.id
        delivery = state.delivery
        attempts = state.attempts
        outcome = state.outcome
        note = state.note
    }

    init(id: String, delivery: TaskDelivery, attempts: Int, outcome: String? = nil, note: String? = nil) {
        self.id = id
        self.delivery = delivery
        self.attempts = attempts
        self.outcome = outcome
        self.note = note
    }
}

/// An answer to an ack, release or requeue: the state after it, or the refusal.
typealias QueueAnswer = Result<TaskStateRead, LeaseRefusal>

extension Result where Success == TaskState, Failure == LeaseRefusal {
    var read: QueueAnswer { map(TaskStateRead.init) }
}

/// A ``StoredExplanation``.
struct ExplanationRead: Equatable, Sendable {
    var record: TaskRecord
    var status: String
    var text: String?

    init(_ explanation: StoredExplanation) {
        record = explanation.record
        status = explanation.status
        text = explanation.text
    }

    init(_ record: TaskRecord, status: String, text: String?) {
        self.record = record
        self.status = status
        self.text = text
    }
}

/// A ``PendingOutcome``, every field.
struct PendingOutcomeRead: Equatable, Sendable {
    var seq: Int64
    var task: String
    var rule: String
    var subject: String
    var assignee: String
    var outcome: String
    var note: String?
    var time: Timestamp

    init(_ outcome: PendingOutcome) {
        seq = outcome.seq
        task = outcome.task
        rule = outcome.rule
        subject = outcome.subject
        assignee = outcome.assignee
        self.outcome = outcome.outcome
        note = outcome.note
        time = outcome.time
    }
}

/// A ``SuppressedTask``.
struct SuppressedTaskRead: Equatable, Sendable {
    var record: TaskRecord
    var policy: String

    init(_ task: SuppressedTask) {
        record = task.record
        policy = task.policy
    }

    init(_ record: TaskRecord, policy: String) {
        self.record = record
        self.policy = policy
    }
}

/// An ``EngineSnapshot`` in an order of its own (a store returns rows in any order), timers
/// without their rule order (which the engine assigns from the rule set, not the store).
struct SnapshotRead: Equatable, Sendable {
    var clock: Timestamp?
    var contexts: [EntityContext]
    var timers: Set<TimerEntry>
    var seenEvents: Set<SeenEvent>
    var dedupKeys: [String: Timestamp]
    var limitKeys: [String: [Timestamp]]
    var deferredTasks: [TaskRecord]

    init(_ snapshot: EngineSnapshot) {
        clock = snapshot.clock
        contexts = snapshot.contexts.sorted { $0.subject < $1.subject }
        timers = Set(snapshot.timers.map {
            TimerEntry(at: $0.at, ruleOrder: 0, rule: $0.rule, subject: $0.subject, key: $0.key)
        })
        seenEvents = Set(snapshot.seenEvents)
        dedupKeys = snapshot.dedupKeys
        limitKeys = snapshot.limitKeys
        deferredTasks = snapshot.deferredTasks.sorted { $0.id < $1.id }
    }

    init(
        clock: Timestamp?, contexts: [EntityContext] = [], timers: Set<TimerEntry> = [], seenEvents: Set<SeenEvent> = [],
        dedupKeys: [String: Timestamp] = [:], limitKeys: [String: [Timestamp]] = [:], deferredTasks: [TaskRecord] = []
    ) {
        self.clock = clock
        self.contexts = contexts.sorted { $0.subject < $1.subject }
        self.timers = timers
        self.seenEvents = seenEvents
        self.dedupKeys = dedupKeys
        self.limitKeys = limitKeys
        self.deferredTasks = deferredTasks.sorted { $0.id < $1.id }
    }
}
