public import ContextdEvents

/// What a store says of itself when asked (`/v1/status`): the same few facts whatever keeps
/// the state, so nothing above the store (the status report, the HTTP API, `contextd status`)
/// learns which database it is. SQLite answers today; PostgreSQL (issue 19) answers the same.
public struct StoreHealth: Sendable, Equatable {
    /// `sqlite`, later `postgresql`.
    public var kind: String
    /// Where the data is, without credentials: a path, or a host and database name.
    public var location: String
    /// What the data takes on disk, when the store can tell.
    public var sizeBytes: Int?
    /// When (wall clock) the store last committed a batch; nil before its first in this process.
    public var lastCommit: Timestamp?
    /// The last error a store operation threw in this process, in words; nil when none did.
    public var lastError: String?

    public init(kind: String, location: String, sizeBytes: Int?, lastCommit: Timestamp?, lastError: String?) {
        self.kind = kind
        self.location = location
        self.sizeBytes = sizeBytes
        self.lastCommit = lastCommit
        self.lastError = lastError
    }
}

/// Tasks by where they are, counted by the store in one read (the status report's tally).
public struct StoredTaskTally: Sendable, Equatable {
    /// Tasks in each delivery state (a state without tasks is absent).
    public var byDelivery: [TaskDelivery: Int] = [:]
    /// Of the pending tasks, those whose `not_before` is after the clock asked about.
    public var deferred = 0
    /// Acked tasks by outcome (`done`, `accepted`, `rejected`).
    public var acked: [String: Int] = [:]
    /// Of the expired tasks, those created already expired.
    public var expiredOnArrival = 0

    public init() {}
}
