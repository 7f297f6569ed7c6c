public import ContextdEngine
public import ContextdEvents
import GRDB

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`
/// (docs/decisions/0004-sqlite-durability.md says why FULL).
public final class SQLiteStore: StateStore {
    let pool: DatabasePool
    public let path: String
    /// The database file opened, to notice it being deleted or replaced (``storageProblem``).
    let fileIdentity: StoreFile.Identity?
    /// Its last commit and last error, for ``health()``.
    let activity = StoreActivity()

    /// Opens (creating when missing) and migrates the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // A commit is on disk before the spool file it came from leaves cur/.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A checkpoint copies the WAL into the database and fsyncs it; at the default of
            // 1000 pages a large group would checkpoint at nearly every commit.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
        }
        self.path = path
        pool = try DatabasePool(path: path, configuration: configuration)
        fileIdentity = StoreFile.identity(of: path)
        // The writer's connection only (readers keep SQLite's 2 MiB): a group commit touches a
        // page per row it writes, spread over the keys, and a 32 MiB cache keeps them in memory
        // instead of reading them back for every group (with 2 MiB the daemon read about 17
        // pages per one-event file).
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = -32768") }
        try StoreMigrations.migrator.migrate(pool)
    }

    /// Opens the database at `path` for reading only: no migration, no write, no lock; what
    /// `contextd explain` uses beside a running daemon (whose store it must never change, even
    /// from a newer contextd with more migrations). WAL mode lets it read the last commit.
    public init(readingAt path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        self.path = path
        pool = try DatabasePool(path: path, configuration: configuration)
        fileIdentity = StoreFile.identity(of: path)
    }

    public func snapshot(includingContexts: Bool) throws -> EngineSnapshot {
        try pool.read { db in
            var snapshot = EngineSnapshot()
            snapshot.clock = try Int64.fetchOne(db, sql: "SELECT clock FROM engine_meta WHERE id = 1")
                .map(Timestamp.init(milliseconds:))
            if includingContexts {
                try Row.fetchCursor(db, sql: "SELECT subject, state FROM entity_context").forEach { row in
                    snapshot.contexts.append(try EntityContext(subject: row["subject"], storedText: row["state"]))
                }
            }
            try Row.fetchCursor(db, sql: "SELECT rule, subject, key, at FROM timer").forEach { row in
                snapshot.timers.append(TimerEntry(
                    at: Timestamp(milliseconds: row["at"]), ruleOrder: 0, rule: row["rule"], subject: row["subject"],
                    key: row["key"]))
            }
            try Row.fetchCursor(db, sql: "SELECT source, id, time FROM seen_event").forEach { row in
                snapshot.seenEvents.append(
                    SeenEvent(source: row["source"], id: row["id"], time: Timestamp(milliseconds: row["time"])))
            }
            try Row.fetchCursor(db, sql: "SELECT key, time FROM dedup_key").forEach { row in
                snapshot.dedupKeys[row["key"]] = Timestamp(milliseconds: row["time"])
            }
            try Row.fetchCursor(db, sql: "SELECT key, times FROM limit_key").forEach { row in
                let key: String = row["key"]
                guard case .list(let times) = try PersistentValue.decode(row["times"]) else {
                    throw StoredRecordError(table: "limit_key", key: key, problem: "times is not a list")
                }
                snapshot.limitKeys[key] = times.compactMap { if case .timestamp(let t) = $0 { t } else { nil } }
            }
            try Row.fetchCursor(db, sql: """
                SELECT id, record FROM task
                WHERE deferred_by IS NOT NULL AND delivery = 'pending' AND due_at > ?
                """, arguments: [snapshot.clock?.milliseconds ?? Int64.min]).forEach { row in
                snapshot.deferredTasks.append(try TaskRecord(id: row["id"], storedText: row["record"]))
            }
            return snapshot
        }
    }

    /// The context stored for `subject`, nil when none is: what the daemon's engine reads back
    /// when an event needs an entity it let go of (``StoredContexts``).
    ///
    /// On a reader connection, from the last commit on disk, so that it does not wait for the
    /// commit in flight on the writer (decision 0009). That commit never holds a context the
    /// engine let go of: the engine lets go only of contexts unused since an earlier commit,
    /// which the loop waited for before starting this one (``Engine/trimContexts(keeping:)``).
    /// One statement, without the transaction `pool.read` opens around it: a single statement
    /// reads one snapshot anyway, and that transaction, for each of a million lookups of new
    /// entities, made the memory benchmark about a fifth slower (43,708 against 56,281 events/s,
    /// same hour).
    public func storedContext(of subject: String) throws -> EntityContext? {
        let text = try pool.unsafeRead { db in
            let statement = try db.cachedStatement(sql: "SELECT state FROM entity_context WHERE subject = ?")
            return try String.fetchOne(statement, arguments: [subject])
        }
        return try text.map { try EntityContext(subject: subject, storedText: $0) }
    }

    /// Nothing to end: every commit is on disk when it lands, and GRDB closes the connections
    /// when the pool is released.
    public func close() {}

    /// A read by the daemon's processing loop, on the writer's connection: its page cache holds
    /// what the loop's own commits just wrote, where a reader connection would have to read
    /// those pages again from the WAL after every commit. The loop is the only writer of what
    /// it reads this way, so nothing is lost by not reading from a snapshot.
    func pipelineRead<T>(_ read: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction(read)
    }

    /// ``TaskRecord/isDue(at:)`` in SQL, at the clock (`?`): what the file outbox writes and
    /// the HTTP queue takes, so the two can never disagree. `expires_before_due` is
    /// ``TaskRecord/expiresBeforeDue``, stored when the task is inserted or released early
    /// (``StoreWriter``), so the rule itself lives only in Swift.
    static let due = "delivery = 'pending' AND due_at <= ? AND NOT expires_before_due"

    /// On the writer's queue (GRDB's `asyncWrite`), which is serial: the next commit, a mark or
    /// an HTTP ack runs after this one. Fails with ``StorageProblem`` before the barrier when
    /// the database file is no longer the one opened (``storageProblem``): one `stat` a commit.
    public func startCommit(_ batch: Commit, after barrier: CommitBarrier?) -> PendingCommit {
        let pending = PendingCommit()
        pool.asyncWrite({ [self] db in
            if let problem = storageProblem { throw StorageProblem(problem) }
            try barrier?()
            return try StoreWriter(db: db).write(batch)
        }, completion: { [activity] _, result in
            switch result {
            case .success: activity.committed()
            case .failure(let error): activity.failed(error)
            }
            pending.finish(result)
        })
        return pending
    }

    public func progress(spool: String) throws -> [String: FileProgress] {
        try pipelineRead { db in
            var result: [String: FileProgress] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT file, items, finished FROM file_progress WHERE spool = ?", arguments: [spool])
            {
                let file: String = row["file"]
                result[file] = FileProgress(spool: spool, file: file, items: row["items"], finished: row["finished"])
            }
            return result
        }
    }

    public func rejections(spool: String, file: String, late: Bool) throws -> [EventRejection] {
        try pipelineRead { db in
            try Row.fetchAll(db, sql: """
                SELECT line, error, raw FROM file_reject WHERE spool = ? AND file = ? AND late = ? ORDER BY rowid
                """, arguments: [spool, file, late]
            ).map { EventRejection(line: $0["line"], error: $0["error"], raw: $0["raw"]) }
        }
    }

    public func dueTasks(at clock: Timestamp, limit: Int) throws -> [StoredTask] {
        try pipelineRead { db in
            try Row.fetchAll(db, sql: """
                SELECT id, record FROM task WHERE \(Self.due)
                ORDER BY priority DESC, created_at, id LIMIT ?
                """, arguments: [clock.milliseconds, limit]
            ).map { StoredTask(record: try TaskRecord(id: $0["id"], storedText: $0["record"]), delivery: .pending) }
        }
    }

    public func expireTasks(at clock: Timestamp) throws -> Int {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE task SET delivery = 'expired', delivered_at = ?
                WHERE delivery = 'pending' AND due_at <= ? AND expires_before_due
                """, arguments: [clock.milliseconds, clock.milliseconds])
            return db.changesCount
        }
    }

    /// Marking tasks `written` does not wait for the disk (`synchronous=NORMAL` for that one
    /// commit): losing it in a power cut leaves them `staged` with no file in `tmp/`, which
    /// ``FileOutbox`` recovery reads as written. The next FULL commit flushes it anyway. Every
    /// other state change waits, as every commit does.
    public func markTasks(_ ids: [String], as state: TaskDelivery, at time: Timestamp) throws {
        guard !ids.isEmpty else { return }
        let update = { (db: Database) in try StoreWriter(db: db).mark(ids, as: state, at: time) }
        guard state == .written else { return try pool.write(update) }
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            try db.inTransaction(.immediate) {
                try update(db)
                return .commit
            }
        }
    }

    public func tasks(in state: TaskDelivery) throws -> [StoredTask] {
        try pipelineRead { db in
            try Row.fetchAll(
                db, sql: "SELECT id, record FROM task WHERE delivery = ? ORDER BY priority DESC, created_at, id",
                arguments: [state.rawValue]
            ).map { StoredTask(record: try TaskRecord(id: $0["id"], storedText: $0["record"]), delivery: state) }
        }
    }

    public func forgetSeenEvents(before horizon: Timestamp) throws -> Int {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM seen_event WHERE time < ?", arguments: [horizon.milliseconds])
            return db.changesCount
        }
    }

    /// Forgets candidates a policy stopped before `horizon`, with their explanations: they are
    /// kept to answer "why did this not go out?" for as long as dedup records are kept.
    public func forgetSuppressed(before horizon: Timestamp) throws -> Int {
        try pool.write { db in
            try db.execute(sql: """
                DELETE FROM task_explanation WHERE id IN (SELECT id FROM suppressed_task WHERE created_at < ?)
                """, arguments: [horizon.milliseconds])
            try db.execute(sql: "DELETE FROM suppressed_task WHERE created_at < ?", arguments: [horizon.milliseconds])
            return db.changesCount
        }
    }

    public func nextDue(after clock: Timestamp) throws -> Timestamp? {
        try pipelineRead { db in
            try Int64.fetchOne(db, sql: "SELECT min(due_at) FROM task WHERE delivery = 'pending' AND due_at > ?",
                arguments: [clock.milliseconds]).map(Timestamp.init(milliseconds:))
        }
    }

    public func taskCounts() throws -> [TaskDelivery: Int] {
        try pool.read(Self.taskCounts)
    }

    /// The same, for `/metrics`: the read waits without holding a thread of the server.
    public func taskCounts() async throws -> [TaskDelivery: Int] {
        try await pool.read(Self.taskCounts)
    }

    private static func taskCounts(_ db: Database) throws -> [TaskDelivery: Int] {
        var counts: [TaskDelivery: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT delivery, count(*) AS n FROM task GROUP BY delivery") {
            if let state = TaskDelivery(rawValue: row["delivery"]) { counts[state] = row["n"] }
        }
        return counts
    }

    public func explanation(of taskID: String) throws -> StoredExplanation? {
        try pool.read { db in try Self.explanation(db, of: taskID) }
    }

    /// The same, for the HTTP API: the read waits without holding a thread of the server.
    public func explanation(of taskID: String) async throws -> StoredExplanation? {
        try await pool.read { db in try Self.explanation(db, of: taskID) }
    }

    private static func explanation(_ db: Database, of taskID: String) throws -> StoredExplanation? {
        let text = try String.fetchOne(db, sql: "SELECT text FROM task_explanation WHERE id = ?", arguments: [taskID])
        if let row = try Row.fetchOne(db, sql: """
            SELECT record, delivery, attempts, outcome, note FROM task WHERE id = ?
            """, arguments: [taskID])
        {
            let status = StoredExplanation.status(
                delivery: row["delivery"], outcome: row["outcome"], note: row["note"], attempts: row["attempts"])
            return StoredExplanation(record: try TaskRecord(id: taskID, storedText: row["record"]), status: status,
                text: text)
        }
        guard let row = try Row.fetchOne(db, sql: "SELECT record, policy FROM suppressed_task WHERE id = ?",
            arguments: [taskID])
        else { return nil }
        return StoredExplanation(record: try TaskRecord(id: taskID, storedText: row["record"]),
            status: StoredExplanation.status(suppressedBy: row["policy"]), text: text)
    }
}
