/// What the daemon is doing, as `GET /v1/status` gives it and `contextd status` and the
/// console's overview show it: one value, assembled on request from the pipeline's counters and
/// the store's own probe, so that the three never disagree.
///
/// Field names are the JSON's (`snake_case` through ``CodingKeys``); times are RFC 3339 UTC
/// strings, durations seconds. The OpenAPI document (`docs/openapi.json`) describes the same
/// shape, and the tests hold the server to it: a field added here is added there.
public struct StatusReport: Codable, Sendable, Equatable {
    /// Whether the daemon can do its job (`/readyz`); `not_ready` gives the reasons.
    public var ready: Bool
    public var notReady: [String]
    public var version: String
    /// When the process started (wall clock).
    public var startedAt: String
    public var clock: Clocks
    public var spools: [SpoolStatus]
    public var tasks: TaskTally
    public var rules: RulesStatus
    public var events: EventTally
    public var store: StoreStatus
    /// Events and tasks per minute over the last hour, oldest first (the overview's chart).
    public var lastHour: [Minute]
    /// A node of a cluster: the cluster as this node last saw it; nil for a daemon alone.
    public var cluster: ClusterStatus?

    public init(
        ready: Bool, notReady: [String], version: String, startedAt: String, clock: Clocks, spools: [SpoolStatus],
        tasks: TaskTally, rules: RulesStatus, events: EventTally, store: StoreStatus, lastHour: [Minute],
        cluster: ClusterStatus? = nil
    ) {
        self.cluster = cluster
        self.ready = ready
        self.notReady = notReady
        self.version = version
        self.startedAt = startedAt
        self.clock = clock
        self.spools = spools
        self.tasks = tasks
        self.rules = rules
        self.events = events
        self.store = store
        self.lastHour = lastHour
    }

    enum CodingKeys: String, CodingKey {
        case ready, notReady = "not_ready", version, startedAt = "started_at", clock, spools, tasks, rules, events, store
        case lastHour = "last_hour", cluster
    }

    public func encode(to encoder: any Encoder) throws {
        var keys = encoder.container(keyedBy: CodingKeys.self)
        try keys.encode(ready, forKey: .ready)
        try keys.encode(notReady, forKey: .notReady)
        try keys.encode(version, forKey: .version)
        try keys.encode(startedAt, forKey: .startedAt)
        try keys.encode(clock, forKey: .clock)
        try keys.encode(spools, forKey: .spools)
        try keys.encode(tasks, forKey: .tasks)
        try keys.encode(rules, forKey: .rules)
        try keys.encode(events, forKey: .events)
        try keys.encode(store, forKey: .store)
        try keys.encode(lastHour, forKey: .lastHour)
        try keys.encode(cluster, forKey: .cluster)
    }

    /// One minute of the wall clock: events taken and tasks created in it.
    public struct Minute: Codable, Sendable, Equatable {
        /// The minute's start.
        public var at: String
        public var events: Int
        public var tasks: Int

        public init(at: String, events: Int, tasks: Int) {
            self.at = at
            self.events = events
            self.tasks = tasks
        }
    }

    /// The engine's clock (event time) beside the machine's.
    public struct Clocks: Codable, Sendable, Equatable {
        /// The engine clock; nil before the first event.
        public var engine: String?
        public var wall: String
        /// Wall clock minus engine clock, in seconds; nil before the first event.
        public var lagSeconds: Double?
        /// Whether the daemon advances its clock with the wall clock when idle (timers fire on
        /// time) — false when it only follows event time.
        public var followsWallClock: Bool

        public init(engine: String?, wall: String, lagSeconds: Double?, followsWallClock: Bool) {
            self.engine = engine
            self.wall = wall
            self.lagSeconds = lagSeconds
            self.followsWallClock = followsWallClock
        }

        enum CodingKeys: String, CodingKey {
            case engine, wall, lagSeconds = "lag_seconds", followsWallClock = "follows_wall_clock"
        }
    }

    /// One input spool: what waits, what is being read, what came out lately.
    public struct SpoolStatus: Codable, Sendable, Equatable {
        public var name: String
        public var path: String
        /// Files in `new/` (waiting) and in `cur/` (claimed).
        public var new: Int
        public var cur: Int
        public var inProgress: FileInProgress?
        /// Files done and rejected in the last hour (wall clock).
        public var doneLastHour: Int
        public var rejectedLastHour: Int
        /// The latest rejected files, newest first, with their reasons.
        public var lastRejects: [RejectedFile]

        public init(
            name: String, path: String, new: Int, cur: Int, inProgress: FileInProgress?, doneLastHour: Int,
            rejectedLastHour: Int, lastRejects: [RejectedFile]
        ) {
            self.name = name
            self.path = path
            self.new = new
            self.cur = cur
            self.inProgress = inProgress
            self.doneLastHour = doneLastHour
            self.rejectedLastHour = rejectedLastHour
            self.lastRejects = lastRejects
        }

        enum CodingKeys: String, CodingKey {
            case name, path, new, cur, inProgress = "in_progress", doneLastHour = "done_last_hour"
            case rejectedLastHour = "rejected_last_hour", lastRejects = "last_rejects"
        }
    }

    /// The file the daemon is reading: lines (or batch elements) done of the file's total.
    public struct FileInProgress: Codable, Sendable, Equatable {
        public var file: String
        public var done: Int
        /// Nil when not known yet (counted on request from the file itself).
        public var total: Int?

        public init(file: String, done: Int, total: Int?) {
            self.file = file
            self.done = done
            self.total = total
        }
    }

    public struct RejectedFile: Codable, Sendable, Equatable {
        public var file: String
        public var reason: String
        public var at: String

        public init(file: String, reason: String, at: String) {
            self.file = file
            self.reason = reason
            self.at = at
        }
    }

    /// Tasks by where they are, from the store; expired ones by why.
    public struct TaskTally: Codable, Sendable, Equatable {
        /// Committed, not handed out yet (includes `deferred`).
        public var pending: Int
        /// Of `pending`, those whose `not_before` is still ahead.
        public var deferred: Int
        public var written: Int
        public var queued: Int
        public var leased: Int
        /// Acked tasks by outcome (`done`, `accepted`, `rejected`).
        public var acked: [String: Int]
        public var expired: Int
        /// Of `expired`, those already expired when they were created (a late file).
        public var expiredOnArrival: Int
        /// Dead-lettered: leased `max_attempts` times without an ack.
        public var dead: Int
        /// Task files in `<outbox>/new/` not yet taken by a consumer.
        public var outboxDepth: Int

        public init(
            pending: Int, deferred: Int, written: Int, queued: Int, leased: Int, acked: [String: Int], expired: Int,
            expiredOnArrival: Int, dead: Int, outboxDepth: Int
        ) {
            self.pending = pending
            self.deferred = deferred
            self.written = written
            self.queued = queued
            self.leased = leased
            self.acked = acked
            self.expired = expired
            self.expiredOnArrival = expiredOnArrival
            self.dead = dead
            self.outboxDepth = outboxDepth
        }

        enum CodingKeys: String, CodingKey {
            case pending, deferred, written, queued, leased, acked, expired
            case expiredOnArrival = "expired_on_arrival", dead, outboxDepth = "outbox_depth"
        }
    }

    /// The rule set in force and how the last reload went.
    public struct RulesStatus: Codable, Sendable, Equatable {
        public var count: Int
        public var lastReload: Reload
        public var rules: [RuleStatus]

        public init(count: Int, lastReload: Reload, rules: [RuleStatus]) {
            self.count = count
            self.lastReload = lastReload
            self.rules = rules
        }

        enum CodingKeys: String, CodingKey { case count, lastReload = "last_reload", rules }
    }

    /// A load of the rules (the first one at start counts): when, whether it took effect, and
    /// each error where it is.
    public struct Reload: Codable, Sendable, Equatable {
        public var at: String
        public var ok: Bool
        public var errors: [Located]

        public init(at: String, ok: Bool, errors: [Located]) {
            self.at = at
            self.ok = ok
            self.errors = errors
        }
    }

    /// A rule file's problem at `file:line:column`.
    public struct Located: Codable, Sendable, Equatable {
        public var file: String
        public var line: Int
        public var column: Int
        public var message: String

        public init(file: String, line: Int, column: Int, message: String) {
            self.file = file
            self.line = line
            self.column = column
            self.message = message
        }
    }

    /// One rule's counters since the daemon started (they survive reloads of the same rule id).
    public struct RuleStatus: Codable, Sendable, Equatable {
        public var id: String
        public var description: String?
        public var file: String?
        public var evaluations: Int
        public var matches: Int
        public var tasks: Int
        /// Candidate tasks stopped, by the policy (or `dedup`) that stopped them.
        public var suppressed: [String: Int]
        public var errors: Int
        /// The last run-time error's message, with the event it happened on.
        public var lastError: RuleError?

        public init(
            id: String, description: String?, file: String?, evaluations: Int, matches: Int, tasks: Int,
            suppressed: [String: Int], errors: Int, lastError: RuleError?
        ) {
            self.id = id
            self.description = description
            self.file = file
            self.evaluations = evaluations
            self.matches = matches
            self.tasks = tasks
            self.suppressed = suppressed
            self.errors = errors
            self.lastError = lastError
        }

        enum CodingKeys: String, CodingKey {
            case id, description, file, evaluations, matches, tasks, suppressed, errors, lastError = "last_error"
        }
    }

    public struct RuleError: Codable, Sendable, Equatable {
        public var message: String
        public var event: String?
        public var at: String

        public init(message: String, event: String?, at: String) {
            self.message = message
            self.event = event
            self.at = at
        }
    }

    /// Events since the daemon started: taken, duplicates, bad lines, and those set aside for
    /// their time (late: behind the clock by more than the allowed lateness; future: ahead of
    /// the wall clock by more than the allowed skew).
    public struct EventTally: Codable, Sendable, Equatable {
        public var total: Int
        public var duplicates: Int
        public var rejected: Int
        public var late: Int
        public var future: Int
        /// Events per second over the last minute.
        public var perSecond: Double

        public init(total: Int, duplicates: Int, rejected: Int, late: Int, future: Int, perSecond: Double) {
            self.total = total
            self.duplicates = duplicates
            self.rejected = rejected
            self.late = late
            self.future = future
            self.perSecond = perSecond
        }

        enum CodingKeys: String, CodingKey { case total, duplicates, rejected, late, future, perSecond = "per_second" }
    }

    /// What the store says of itself through its own probe (``StoreHealth``): no field here is
    /// particular to SQLite.
    public struct StoreStatus: Codable, Sendable, Equatable {
        /// `sqlite`, later `postgresql`.
        public var kind: String
        /// Where it is, without credentials.
        public var location: String
        public var sizeBytes: Int?
        public var lastCommit: String?
        public var lastError: String?

        public init(kind: String, location: String, sizeBytes: Int?, lastCommit: String?, lastError: String?) {
            self.kind = kind
            self.location = location
            self.sizeBytes = sizeBytes
            self.lastCommit = lastCommit
            self.lastError = lastError
        }

        enum CodingKeys: String, CodingKey {
            case kind, location, sizeBytes = "size_bytes", lastCommit = "last_commit", lastError = "last_error"
        }
    }
}
