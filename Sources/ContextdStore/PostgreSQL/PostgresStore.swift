public import ContextdEngine
public import ContextdEvents
import Dispatch
import Glibc
import Logging
public import PostgresNIO
import Synchronization

/// The PostgreSQL store (issue 19; docs/decisions/0017-postgresql-backend.md): every role of
/// ``DaemonStore``, behaving as ``SQLiteStore`` does in every way a caller can see.
///
/// Three kinds of connections, each for callers that must not wait for the others:
/// - the **writer**, a connection of its own on a serial queue: the group commits, in the order
///   they were started, and the loop's reads and writes between commits (due tasks, marks,
///   spool progress), queued behind the commit in flight so they see its rows;
/// - the **reader**, a connection of its own for ``storedContext(of:)`` (which must not wait for
///   a commit in flight, decision 0009) and the two synchronous reads of ``StateStore``;
/// - the **membership** link, a connection of its own for ``ClusterMembership`` (a node of
///   several): a heartbeat must renew the node's leases while a long commit holds the writer;
///   connected on first use, so a daemon alone never opens it;
/// - a **pool** (postgres-nio's `PostgresClient`, at most ``Options/maximumConnections``) for the
///   HTTP roles, which `await` without holding a thread.
///
/// Every connection runs with `statement_timeout` (``Options/statementTimeout``) and
/// `synchronous_commit = on`. Open it, ``migrate()``, use it, ``close()``.
public final class PostgresStore: DaemonStore {
    /// How the store uses the server.
    public struct Options: Sendable {
        /// The pool's size for the HTTP roles (the writer and the reader are two more).
        public var maximumConnections = 8
        /// `statement_timeout` on every connection: a statement running longer fails.
        public var statementTimeout: Duration = .seconds(30)
        /// `idle_in_transaction_session_timeout` on every connection, when set
        /// (``PostgresSettings/idleInTransactionTimeout``: a node's lease).
        public var idleInTransactionTimeout: Duration?
        /// The first wait before a commit tries again on a lost connection; it doubles each time.
        public var firstRetryDelay: Duration = .milliseconds(100)
        /// The longest wait between two tries.
        public var longestRetryDelay: Duration = .seconds(5)
        /// How long ``PostgresStore/isAvailable()`` waits for the server's answer.
        public var probeTimeout: Duration = .seconds(2)
        /// Where the data is, without credentials, for ``StoreHealth/location``; by default
        /// `host:port/database` from the configuration.
        public var location: String?
        /// Where the store's warnings go (a lost server, its return): one line each.
        public var warn: @Sendable (String) -> Void = { line in
            let text = Array(("contextd: " + line + "\n").utf8)
            _ = text.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }

        /// Whether the loop's calls (reads, marks, retention, as commits always do) wait for a
        /// server that cannot be reached, retrying with the same backoff, instead of throwing:
        /// the daemon waits out a restart of PostgreSQL; `contextd explain` does not.
        public var waitsForServer = true
        /// Called before each wait for the server: the daemon's watchdog ping, since a loop
        /// waiting for its database is not stuck (`/readyz` says it is not ready meanwhile).
        public var whileWaiting: @Sendable () -> Void = {}
        public init() {}
    }

    let writer: PostgresConnectionLink
    let reader: PostgresConnectionLink
    let membershipLink: PostgresConnectionLink
    /// The configuration of this store's own connections, for one that only listens (``watchLog(_:)``).
    let ownConnection: PostgresConnection.Configuration
    /// The membership's transactions, one at a time on ``membershipLink``.
    let membershipQueue = DispatchQueue(label: "contextd.postgres.membership")
    /// What the outbox ledger and the queue select for a node of several; nil for a daemon alone.
    private let scope = Mutex<OutboxScope?>(nil)
    var outboxScope: OutboxScope? {
        get { scope.withLock { $0 } }
        set { scope.withLock { $0 = newValue } }
    }
    let client: PostgresClient
    let logger: Logger
    let options: Options
    /// Commits and the loop's calls, in order, on the writer.
    let writerQueue = DispatchQueue(label: "contextd.postgres.writer")
    /// The last group commit's number (`engine_meta.commit_seq`), once the writer has read it.
    let lastCommitSeq = Mutex<Int64?>(nil)
    let activity = StoreActivity()
    /// Set by ``close()``: a commit waiting for the server gives up.
    let closing = Atomic<Bool>(false)
    let reachability: PostgresReachability
    private let clientRun: Task<Void, Never>
    public let location: String

    /// A store on the server `configuration` names, with the pool's options set from `options`.
    /// Connects lazily: a server that is down now is no error until a role needs it (a commit
    /// then waits for it). `connection` configures the writer and the reader; by default it is
    /// made from `configuration` (same endpoint, credentials and TLS mode).
    public init(
        configuration: PostgresClient.Configuration, connection: PostgresConnection.Configuration? = nil,
        options: Options = Options(), logger: Logger = Logger(label: "contextd.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        let parameters = [
            ("statement_timeout", String(Self.milliseconds(options.statementTimeout))), ("synchronous_commit", "on"),
        ] + (options.idleInTransactionTimeout.map { [("idle_in_transaction_session_timeout", String(Self.milliseconds($0)))] } ?? [])
        var pooled = configuration
        pooled.options.maximumConnections = max(1, options.maximumConnections)
        pooled.options.additionalStartupParameters += parameters
        var own = try connection ?? Self.connectionConfiguration(from: configuration)
        own.options.additionalStartupParameters += parameters
        let name = configuration.database.map { "/" + $0 } ?? ""
        location = options.location
            ?? (configuration.host.map { "\($0):\(configuration.port ?? 5432)" } ?? configuration.unixSocketPath ?? "") + name
        self.options = options
        self.logger = logger
        writer = PostgresConnectionLink(configuration: own, logger: logger)
        reader = PostgresConnectionLink(configuration: own, logger: logger)
        membershipLink = PostgresConnectionLink(configuration: own, logger: logger)
        ownConnection = own
        client = PostgresClient(configuration: pooled, backgroundLogger: logger)
        reachability = PostgresReachability(location: location, warn: options.warn)
        clientRun = Task { [client] in await client.run() }
    }

    /// Applies the migrations this database lacks (``PostgresStoreMigrations``); returns their
    /// names (none when it is up to date). Refuses a database a newer contextd migrated.
    @discardableResult
    public func migrate() throws -> [String] {
        try writerQueue.sync {
            do {
                return try PostgresStoreMigrations.migrate(writer)
            } catch {
                if PostgresProblem.isConnectionLoss(error) { writer.drop() }
                throw PostgresProblem.wrap(error, "migrate")
            }
        }
    }

    /// Ends the pool's run and closes the writer and the reader. Waits for the commits started
    /// before it; one still waiting for an unreachable server fails instead of retrying on.
    public func close() {
        closing.store(true, ordering: .relaxed)
        writerQueue.sync { writer.drop() }
        reader.drop()
        membershipQueue.sync { membershipLink.drop() }
        clientRun.cancel()
    }

    deinit {
        writer.drop(waiting: false)
        reader.drop(waiting: false)
        membershipLink.drop(waiting: false)
        clientRun.cancel()
    }

    // MARK: - The loop's calls, on the writer

    /// Runs `body` on the writer, after every commit started before: what the loop reads sees
    /// them. A lost connection is dropped (the next call connects again) and thrown.
    /// A lost connection waits for the server (``Options/waitsForServer``): every call the loop
    /// makes this way is a read or a change that is the same when made twice.
    func onWriter<T>(_ operation: String, _ body: (PostgresConnectionLink) throws -> T) throws -> T {
        try writerQueue.sync { try retryingLostConnections(operation, on: writer, body) }
    }

    /// Runs `body` on the reader, beside the writer; waits for the server as ``onWriter(_:_:)``.
    func onReader<T>(_ operation: String, _ body: (PostgresConnectionLink) throws -> T) throws -> T {
        try retryingLostConnections(operation, on: reader, body)
    }

    /// Runs `body` on the membership link, one call at a time, beside the writer and the reader;
    /// waits for the server as ``onWriter(_:_:)``.
    func onMembershipLink<T>(_ operation: String, _ body: (PostgresConnectionLink) throws -> T) throws -> T {
        try membershipQueue.sync { try retryingLostConnections(operation, on: membershipLink, body) }
    }

    private func retryingLostConnections<T>(
        _ operation: String, on link: PostgresConnectionLink, _ body: (PostgresConnectionLink) throws -> T
    ) throws -> T {
        var delay = options.firstRetryDelay
        while true {
            do {
                let attempt = reachability.attempting()
                let result = try body(link)
                reachability.reached(attempt)
                return result
            } catch where PostgresProblem.isConnectionLoss(error) {
                link.drop()
                let wrapped = PostgresProblem.wrap(error, operation)
                activity.failed(wrapped)
                guard options.waitsForServer, !closing.load(ordering: .relaxed) else { throw wrapped }
                reachability.failed(error)
                options.whileWaiting()
                waitBeforeRetrying(delay)
                delay = min(delay * 2, options.longestRetryDelay)
            } catch {
                let wrapped = PostgresProblem.wrap(error, operation)
                activity.failed(wrapped)
                throw wrapped
            }
        }
    }

    /// Runs `body` on a connection of the pool (the HTTP roles).
    func pooled<T: Sendable>(_ operation: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch {
            let wrapped = PostgresProblem.wrap(error, operation)
            activity.failed(wrapped)
            throw wrapped
        }
    }

    // MARK: - Engine state

    public func snapshot(includingContexts: Bool) throws -> EngineSnapshot {
        try onWriter("snapshot") { link in
            try link.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            defer { _ = try? link.run("COMMIT") }
            var snapshot = EngineSnapshot()
            let meta = try link.run("SELECT clock FROM engine_meta WHERE id = 1").rows.first
            snapshot.clock = try meta.flatMap { try PostgresRowReader($0)["clock", as: Int64?.self] }
                .map(Timestamp.init(milliseconds:))
            if includingContexts {
                snapshot.contexts = try Self.contexts(link.run("""
                    SELECT subject, declaration, state FROM entity_context ORDER BY subject, declaration
                    """).rows)
            }
            snapshot.timers = try Self.timers(link.run("SELECT rule, subject, key, at FROM timer").rows)
            for row in try link.run("SELECT source, id, time FROM seen_event").rows {
                let row = PostgresRowReader(row)
                snapshot.seenEvents.append(
                    SeenEvent(source: try row["source"], id: try row["id"], time: Timestamp(milliseconds: try row["time"])))
            }
            snapshot.dedupKeys = try Self.dedupKeys(link.run("SELECT key, time FROM dedup_key").rows)
            snapshot.limitKeys = try Self.limitKeys(link.run("SELECT key, times FROM limit_key").rows)
            let clock = snapshot.clock?.milliseconds ?? Int64.min
            snapshot.deferredTasks = try link.run("""
                SELECT id, record FROM task
                WHERE deferred_by IS NOT NULL AND delivery = 'pending' AND due_at > \(clock)
                """).rows.map(Self.taskRecord)
            return snapshot
        }
    }

    /// On the reader, from the last commit the server has: never behind the commit in flight.
    public func storedContext(of subject: String) throws -> EntityContext? {
        try onReader("read context") { link in
            try Self.contexts(link.run("""
                SELECT subject, declaration, state FROM entity_context WHERE subject = \(subject)
                """).rows).first
        }
    }

    public func forgetSeenEvents(before horizon: Timestamp) throws -> Int {
        try onWriter("forget seen events") { link in
            try link.run("DELETE FROM seen_event WHERE time < \(horizon.milliseconds)").metadata.rows ?? 0
        }
    }

    public func forgetSuppressed(before horizon: Timestamp) throws -> Int {
        try onWriter("forget suppressed") { link in
            try link.run("BEGIN")
            do {
                try link.run("""
                    DELETE FROM task_explanation WHERE id IN (SELECT id FROM suppressed_task WHERE created_at < \(horizon.milliseconds))
                    """)
                let count = try link.run("DELETE FROM suppressed_task WHERE created_at < \(horizon.milliseconds)")
                    .metadata.rows ?? 0
                try link.run("COMMIT")
                return count
            } catch {
                _ = try? link.run("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: - Decoding

    /// Timers from `(rule, subject, key, at)` rows.
    static func timers(_ rows: [PostgresRow]) throws -> [TimerEntry] {
        try rows.map { row in
            let row = PostgresRowReader(row)
            return TimerEntry(
                at: Timestamp(milliseconds: try row["at"]), ruleOrder: 0, rule: try row["rule"],
                subject: try row["subject"], key: try row["key"])
        }
    }

    /// Dedup keys from `(key, time)` rows.
    static func dedupKeys(_ rows: [PostgresRow]) throws -> [String: Timestamp] {
        var keys: [String: Timestamp] = [:]
        for row in rows {
            let row = PostgresRowReader(row)
            keys[try row["key"]] = Timestamp(milliseconds: try row["time"])
        }
        return keys
    }

    /// Limit keys from `(key, times)` rows.
    static func limitKeys(_ rows: [PostgresRow]) throws -> [String: [Timestamp]] {
        var keys: [String: [Timestamp]] = [:]
        for row in rows {
            let row = PostgresRowReader(row)
            let key: String = try row["key"]
            guard case .list(let times) = try PersistentValue.decode(try row["times"]) else {
                throw StoredRecordError(table: "limit_key", key: key, problem: "times is not a list")
            }
            keys[key] = times.compactMap { if case .timestamp(let t) = $0 { t } else { nil } }
        }
        return keys
    }

    /// Contexts from `(subject, declaration, state)` rows ordered by subject: one context per subject.
    static func contexts(_ rows: [PostgresRow]) throws -> [EntityContext] {
        var contexts: [EntityContext] = []
        var subject: String?
        var states: [String: ContextState] = [:]
        for row in rows {
            let row = PostgresRowReader(row)
            let rowSubject: String = try row["subject"]
            let declaration: String = try row["declaration"]
            if rowSubject != subject {
                if let subject { contexts.append(EntityContext(subject: subject, states: states)) }
                subject = rowSubject
                states = [:]
            }
            states[declaration] = try EntityContext.state(
                storedText: try row["state"], subject: rowSubject, declaration: declaration)
        }
        if let subject { contexts.append(EntityContext(subject: subject, states: states)) }
        return contexts
    }

    /// A task from a row with `id` and `record`.
    static func taskRecord(_ row: PostgresRow) throws -> TaskRecord {
        let row = PostgresRowReader(row)
        return try TaskRecord(id: try row["id"], storedText: try row["record"])
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The writer's and reader's configuration from the pool's: the same endpoint, credentials
    /// and TLS mode. postgres-nio keeps the pool's TLS mode to itself, so it is read by
    /// reflection; anything not understood is an error, never a silent downgrade to plain text.
    static func connectionConfiguration(from configuration: PostgresClient.Configuration) throws
        -> PostgresConnection.Configuration
    {
        let tls = try connectionTLS(configuration.tls)
        var connection: PostgresConnection.Configuration
        if let host = configuration.host {
            connection = .init(host: host, port: configuration.port ?? 5432, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: tls)
        } else if let path = configuration.unixSocketPath {
            connection = .init(unixSocketPath: path, username: configuration.username,
                password: configuration.password, database: configuration.database)
        } else {
            throw PostgresStoreError(operation: "open", message: "the configuration names neither a host nor a socket")
        }
        connection.options.tlsServerName = configuration.options.tlsServerName
        connection.options.requireBackendKeyData = configuration.options.requireBackendKeyData
        connection.options.additionalStartupParameters = configuration.options.additionalStartupParameters
        connection.options.connectTimeout = .nanoseconds(
            Int64(configuration.options.connectTimeout.components.seconds) * 1_000_000_000
                + configuration.options.connectTimeout.components.attoseconds / 1_000_000_000)
        return connection
    }

    private static func connectionTLS(_ tls: PostgresClient.Configuration.TLS) throws
        -> PostgresConnection.Configuration.TLS
    {
        guard let base = Mirror(reflecting: tls).children.first?.value else {
            throw PostgresStoreError(operation: "open", message: "cannot read the TLS mode; pass `connection:`")
        }
        if "\(base)" == "disable" { return .disable }
        guard let mode = Mirror(reflecting: base).children.first, let settings = mode.value as? TLSConfiguration else {
            throw PostgresStoreError(operation: "open", message: "cannot read the TLS mode; pass `connection:`")
        }
        let context = try NIOSSLContext(configuration: settings)
        switch mode.label {
        case "prefer": return .prefer(context)
        case "require": return .require(context)
        default: throw PostgresStoreError(operation: "open", message: "unknown TLS mode \(mode.label ?? "?"); pass `connection:`")
        }
    }
}
