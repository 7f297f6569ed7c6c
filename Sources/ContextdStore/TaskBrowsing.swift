public import ContextdEngine
public import ContextdEvents

/// Which tasks the console's task list shows: each filter narrows it, `scope` (the caller's
/// assignee prefixes) always applies, and `before` continues after the last row of a page.
public struct TaskBrowseQuery: Sendable, Equatable {
    /// A state to filter on: a ``TaskDelivery`` or `deferred` (pending, its `not_before`
    /// still ahead of the engine's committed clock — what `/v1/status` counts as deferred).
    public enum State: Sendable, Equatable {
        case delivery(TaskDelivery)
        case deferred

        /// `pending`, `written`, …, or `deferred`; nil for any other word.
        public init?(name: String) {
            if name == "deferred" {
                self = .deferred
            } else if let delivery = TaskDelivery(rawValue: name) {
                self = .delivery(delivery)
            } else {
                return nil
            }
        }

        public var name: String {
            switch self {
            case .delivery(let delivery): delivery.rawValue
            case .deferred: "deferred"
            }
        }

        /// Every state the filter offers, in the order a task passes through them.
        public static let all: [State] = TaskDelivery.allCases.map(State.delivery) + [.deferred]
    }

    public var scope: [String]
    public var rule: String?
    public var subject: String?
    /// An assignee prefix (within `scope`).
    public var assigneePrefix: String?
    public var state: State?
    /// Rows strictly older than this position (newest first: by creation time, then id).
    public var before: TaskCursor?
    public var limit: Int

    public init(
        scope: [String], rule: String? = nil, subject: String? = nil, assigneePrefix: String? = nil,
        state: State? = nil, before: TaskCursor? = nil, limit: Int = 50
    ) {
        self.scope = scope
        self.rule = rule
        self.subject = subject
        self.assigneePrefix = assigneePrefix
        self.state = state
        self.before = before
        self.limit = limit
    }
}

/// A position in the task list (newest first): the creation time and id of the last row
/// shown. A keyset cursor, so page 1,000 costs what page 1 costs and a task committed
/// meanwhile neither shifts nor repeats a row.
public struct TaskCursor: Sendable, Equatable {
    public var createdAt: Timestamp
    public var id: String

    public init(createdAt: Timestamp, id: String) {
        self.createdAt = createdAt
        self.id = id
    }

    /// `<milliseconds>:<id>`, as a page's "Older" link carries it.
    public var token: String { "\(createdAt.milliseconds):\(id)" }

    /// Reads ``token``; nil when it is not one.
    public init?(token: String) {
        guard let colon = token.firstIndex(of: ":"), let milliseconds = Int64(token[..<colon]) else { return nil }
        self.init(createdAt: Timestamp(milliseconds: milliseconds), id: String(token[token.index(after: colon)...]))
    }
}

/// A task as the console shows it: the record and where it is on its way out.
public struct BrowsedTask: Sendable {
    public var record: TaskRecord
    public var delivery: TaskDelivery
    /// Pending with its `not_before` ahead of the engine's committed clock.
    public var deferred: Bool
    public var attempts: Int
    public var outcome: String?
    public var note: String?
    /// When it was written to the outbox, queued, or expired.
    public var deliveredAt: Timestamp?
    public var ackedAt: Timestamp?
    public var leaseHolder: String?
    public var leaseUntil: Timestamp?

    /// `pending`, `deferred`, `acked (done)`, … as one word or phrase.
    public var stateText: String {
        if delivery == .pending && deferred { return "deferred" }
        if delivery == .acked, let outcome { return "acked (\(outcome))" }
        return delivery.rawValue
    }
}

/// One page of the task list and where the next one starts (nil: this is the last).
public struct TaskBrowsePage: Sendable {
    public var tasks: [BrowsedTask]
    public var next: TaskCursor?
}

/// A candidate task a policy (or its rule's dedup) stopped, as `GET /v1/suppressed` lists it.
public struct SuppressedTask: Sendable {
    public var record: TaskRecord
    public var policy: String
}
