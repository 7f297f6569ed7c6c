public import ContextdEngine
public import ContextdEvents
import GRDB

/// The HTTP work queue kept in the `task` table: `queued` → `leased` → `acked`, back to
/// `queued` when a lease ends without an ack, `dead` after too many leases.
///
/// Every operation is one write transaction, and SQLite runs one writer at a time, so two
/// pollers can never lease the same task. Leases are judged on the time the caller passes
/// (the wall clock in the daemon, a controlled clock in tests). Ends of leases are noticed
/// lazily, at the next lease, ack or listing: nothing needs a timer.
extension SQLiteStore: TaskQueue {
    /// Marks pending tasks due at `clock` whose assignee is under `prefixes` as `queued` for
    /// HTTP pollers instead of the file outbox; returns how many. Expiry is judged as for the
    /// file outbox (``StateStore/dueTasks(at:limit:)``).
    public func queueDueTasks(assigneePrefixes prefixes: [String], at clock: Timestamp) throws -> Int {
        guard !prefixes.isEmpty else { return 0 }
        return try pool.write { db in
            let (filter, arguments) = Self.prefixFilter(prefixes)
            try db.execute(sql: """
                UPDATE task SET delivery = 'queued', delivered_at = ?
                WHERE \(Self.due) AND \(filter)
                """, arguments: [clock.milliseconds, clock.milliseconds] + arguments)
            return db.changesCount
        }
    }

    /// Leases up to `limit` queued tasks under `prefixes` to `holder`: highest priority first,
    /// then oldest. Ends overdue leases and expires queued tasks past `expires_at` first.
    public func lease(
        assigneePrefixes prefixes: [String], limit: Int, holder: String, terms: LeaseTerms, at now: Timestamp
    ) async throws -> [LeasedTask] {
        try await pool.write { db in
            try Self.endOverdueLeases(db, terms: terms, at: now)
            try db.execute(sql: """
                UPDATE task SET delivery = 'expired', delivered_at = ?
                WHERE delivery = 'queued' AND expires_at IS NOT NULL AND expires_at <= ?
                """, arguments: [now.milliseconds, now.milliseconds])
            let (filter, arguments) = Self.prefixFilter(prefixes)
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, record, attempts FROM task INDEXED BY task_queue
                WHERE delivery = 'queued' AND \(filter)
                ORDER BY priority DESC, created_at, id LIMIT ?
                """, arguments: arguments + [limit])
            let until = now + terms.duration
            let update = try db.cachedStatement(sql: """
                UPDATE task SET delivery = 'leased', lease_id = ?, lease_holder = ?, lease_until = ?,
                attempts = attempts + 1 WHERE id = ?
                """)
            return try rows.map { row in
                let id: String = row["id"]
                let leaseID = Self.newLeaseID()
                try update.execute(arguments: [leaseID, holder, until.milliseconds, id])
                return LeasedTask(record: try TaskRecord(id: id, storedText: row["record"]), leaseID: leaseID,
                    until: until, attempt: (row["attempts"] as Int) + 1)
            }
        }
    }

    /// Records a consumer's outcome for a task it holds, and queues the outcome for the engine
    /// (policies such as a cooldown after `rejected` act on it), in one transaction.
    public func ack(
        taskID: String, leaseID: String?, outcome: TaskOutcome.Outcome, note: String?, scope prefixes: [String],
        at now: Timestamp
    ) async throws -> Result<TaskState, LeaseRefusal> {
        try await pool.write { db in
            try Self.heldTask(db, id: taskID, leaseID: leaseID, scope: prefixes, at: now).map { state in
                try db.execute(sql: """
                    UPDATE task SET delivery = 'acked', outcome = ?, note = ?, acked_at = ?, lease_until = NULL
                    WHERE id = ?
                    """, arguments: [outcome.rawValue, note, now.milliseconds, taskID])
                try db.execute(sql: """
                    INSERT INTO task_outcome (task, rule, subject, assignee, outcome, note, time)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [taskID, state.record.rule, state.record.subject, state.record.assignee,
                        outcome.rawValue, note, now.milliseconds])
                var state = state
                state.delivery = .acked
                state.outcome = outcome.rawValue
                state.note = note
                return state
            }
        }
    }

    /// Gives a lease back: the task is due again at once (or dead, after its last attempt).
    public func release(
        taskID: String, leaseID: String?, scope prefixes: [String], terms: LeaseTerms, at now: Timestamp
    ) async throws -> Result<TaskState, LeaseRefusal> {
        try await pool.write { db in
            try Self.heldTask(db, id: taskID, leaseID: leaseID, scope: prefixes, at: now).map { state in
                var state = state
                state.delivery = state.attempts >= terms.maxAttempts ? .dead : .queued
                try db.execute(sql: """
                    UPDATE task SET delivery = ?, lease_id = NULL, lease_until = NULL WHERE id = ?
                    """, arguments: [state.delivery.rawValue, taskID])
                return state
            }
        }
    }

    /// Puts a dead-lettered task back in the queue with its attempts reset.
    public func requeue(taskID: String, scope prefixes: [String]) async throws -> Result<TaskState, LeaseRefusal> {
        try await pool.write { db in
            guard let state = try Self.taskState(db, id: taskID) else { return .failure(.unknownTask) }
            return try LeaseRules.requeueing(state, scope: prefixes).map { requeued in
                try db.execute(sql: """
                    UPDATE task SET delivery = 'queued', attempts = 0, lease_id = NULL, lease_holder = NULL,
                    lease_until = NULL WHERE id = ?
                    """, arguments: [taskID])
                return requeued
            }
        }
    }

    /// Dead-lettered tasks under `prefixes`, highest priority first (after ending overdue leases,
    /// so a task whose last lease just ran out is listed).
    public func deadLetters(
        assigneePrefixes prefixes: [String], limit: Int, terms: LeaseTerms, at now: Timestamp
    ) async throws -> [TaskState] {
        try await pool.write { db in
            try Self.endOverdueLeases(db, terms: terms, at: now)
            let (filter, arguments) = Self.prefixFilter(prefixes)
            return try Row.fetchAll(db, sql: """
                SELECT \(Self.taskStateColumns) FROM task
                WHERE delivery = 'dead' AND \(filter) ORDER BY priority DESC, created_at, id LIMIT ?
                """, arguments: arguments + [limit]
            ).map(Self.taskState)
        }
    }

    /// When the next lease runs out, so a long poll can wake for the task it frees.
    public func nextLeaseEnd() async throws -> Timestamp? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT min(lease_until) FROM task WHERE delivery = 'leased'")
                .map(Timestamp.init(milliseconds:))
        }
    }

    /// Outcomes the engine has not applied yet, oldest first.
    public func pendingOutcomes(limit: Int) throws -> [PendingOutcome] {
        try pipelineRead { db in
            try Row.fetchAll(db, sql: """
                SELECT seq, task, rule, subject, assignee, outcome, note, time FROM task_outcome ORDER BY seq LIMIT ?
                """, arguments: [limit]
            ).map { row in
                PendingOutcome(seq: row["seq"], task: row["task"], rule: row["rule"], subject: row["subject"],
                    assignee: row["assignee"], outcome: row["outcome"], note: row["note"],
                    time: Timestamp(milliseconds: row["time"]))
            }
        }
    }

    /// Whether the database answers a query: what `/readyz` asks.
    public func isAvailable() async -> Bool {
        do {
            _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM engine_meta") }
            return true
        } catch {
            return false
        }
    }

    // MARK: - Inside a transaction

    /// A leased task the caller may ack or release: it exists, is in scope, is leased, the
    /// lease has not run out, and `leaseID` (when given) is the current lease.
    private static func heldTask(
        _ db: Database, id: String, leaseID: String?, scope prefixes: [String], at now: Timestamp
    ) throws -> Result<TaskState, LeaseRefusal> {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT \(taskStateColumns), lease_id, lease_until FROM task WHERE id = ?
            """, arguments: [id])
        else { return .failure(.unknownTask) }
        let until: Int64? = row["lease_until"]
        return LeaseRules.holding(
            try taskState(row), leaseID: row["lease_id"], leaseUntil: until.map(Timestamp.init(milliseconds:)),
            callerLeaseID: leaseID, scope: prefixes, at: now)
    }

    private static func taskState(_ db: Database, id: String) throws -> TaskState? {
        try Row.fetchOne(db, sql: """
            SELECT \(taskStateColumns) FROM task WHERE id = ?
            """, arguments: [id]).map(taskState)
    }

    private static func taskState(_ row: Row) throws -> TaskState {
        TaskState(
            record: try TaskRecord(id: row["id"], storedText: row["record"]),
            delivery: TaskDelivery(rawValue: row["delivery"]) ?? .pending, attempts: row["attempts"],
            outcome: row["outcome"], note: row["note"])
    }

    /// The columns ``taskState(_:)`` reads.
    static let taskStateColumns = "id, record, delivery, attempts, outcome, note"

    /// Leases that ran out: the task is due again, or dead after its last attempt.
    private static func endOverdueLeases(_ db: Database, terms: LeaseTerms, at now: Timestamp) throws {
        try db.execute(sql: """
            UPDATE task SET delivery = CASE WHEN attempts >= ? THEN 'dead' ELSE 'queued' END,
            lease_id = NULL, lease_until = NULL
            WHERE delivery = 'leased' AND lease_until <= ?
            """, arguments: [terms.maxAttempts, now.milliseconds])
    }

    /// `(assignee under one of the prefixes)` as SQL; no prefixes matches nothing.
    static func prefixFilter(_ prefixes: [String]) -> (String, StatementArguments) {
        guard !prefixes.isEmpty else { return ("0", []) }
        let clause = prefixes.map { _ in "substr(assignee, 1, length(?)) = ?" }.joined(separator: " OR ")
        var arguments = StatementArguments()
        for prefix in prefixes { arguments += [prefix, prefix] }
        return ("(" + clause + ")", arguments)
    }

    private static func newLeaseID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return "l-" + String(high, radix: 16) + String(low, radix: 16)
    }
}

extension SQLiteStore {
    /// The most recent candidates stopped by a policy, for assignees under `prefixes`.
    public func suppressedTasks(assigneePrefixes prefixes: [String], limit: Int) async throws -> [SuppressedTask] {
        try await pool.read { db in
            let (filter, arguments) = Self.prefixFilter(prefixes)
            return try Row.fetchAll(db, sql: """
                SELECT id, record, policy FROM suppressed_task WHERE \(filter) ORDER BY created_at DESC, id LIMIT ?
                """, arguments: arguments + [limit]
            ).map { SuppressedTask(record: try TaskRecord(id: $0["id"], storedText: $0["record"]), policy: $0["policy"]) }
        }
    }
}
