public import ContextdEngine
public import ContextdEvents
import PostgresNIO

/// The HTTP work queue in the `task` table, as ``SQLiteStore``'s (SQLiteStore+Leases.swift):
/// the same states, refusals and order.
///
/// SQLite runs one writer at a time; here pollers run at once on the pool, so a lease takes its
/// rows with `FOR UPDATE SKIP LOCKED` (a row another poller is taking is skipped, not waited
/// for and never taken twice), and an ack, release or requeue locks its row (`FOR UPDATE`)
/// before judging it.
extension PostgresStore {
    public func queueDueTasks(assigneePrefixes prefixes: [String], at clock: Timestamp) throws -> Int {
        guard !prefixes.isEmpty else { return 0 }
        let scope = outboxScope
        return try onWriter("queue due tasks") { link in
            var text = PostgresQueryText()
            _ = text.bind(clock.milliseconds)
            let filter = text.assigneeUnder(prefixes)
            let scoped = text.partitionsOf(scope)
            text.sql = """
                UPDATE task SET delivery = 'queued', delivered_at = $1 WHERE \(Self.due) AND \(filter)\(scoped)
                """
            return try link.run(text.query).metadata.rows ?? 0
        }
    }

    public func lease(
        assigneePrefixes prefixes: [String], limit: Int, holder: String, terms: LeaseTerms, at now: Timestamp
    ) async throws -> [LeasedTask] {
        try await pooled("lease") { [logger] connection in
            try await connection.transaction(logger: logger) {
                try await Self.endOverdueLeases(connection, logger: logger, terms: terms, at: now)
                try await connection.changes("""
                    UPDATE task SET delivery = 'expired', delivered_at = \(now.milliseconds)
                    WHERE delivery = 'queued' AND expires_at IS NOT NULL AND expires_at <= \(now.milliseconds)
                    """, logger: logger)
                let until = now + terms.duration
                var text = PostgresQueryText()
                let filter = text.assigneeUnder(prefixes)
                let count = text.bind(limit)
                text.sql = """
                    SELECT id, record, attempts FROM task
                    WHERE delivery = 'queued' AND \(filter)
                    ORDER BY priority DESC, created_at, id LIMIT \(count)
                    FOR UPDATE SKIP LOCKED
                    """
                var leased: [LeasedTask] = []
                for row in try await connection.rows(text.query, logger: logger) {
                    let record = try Self.taskRecord(row)
                    let attempts: Int = try PostgresRowReader(row)["attempts"]
                    let leaseID = Self.newLeaseID()
                    try await connection.changes("""
                        UPDATE task SET delivery = 'leased', lease_id = \(leaseID), lease_holder = \(holder),
                        lease_until = \(until.milliseconds), attempts = attempts + 1 WHERE id = \(record.id)
                        """, logger: logger)
                    leased.append(LeasedTask(record: record, leaseID: leaseID, until: until, attempt: attempts + 1))
                }
                return leased
            }
        }
    }

    public func ack(
        taskID: String, leaseID: String?, outcome: TaskOutcome.Outcome, note: String?, scope prefixes: [String],
        at now: Timestamp
    ) async throws -> Result<TaskState, LeaseRefusal> {
        try await pooled("ack") { [logger] connection in
            try await connection.transaction(logger: logger) {
                let held = try await Self.heldTask(connection, logger: logger, id: taskID, leaseID: leaseID, scope: prefixes, at: now)
                guard case .success(var state) = held else { return held }
                try await connection.changes("""
                    UPDATE task SET delivery = 'acked', outcome = \(outcome.rawValue), note = \(note),
                    acked_at = \(now.milliseconds), lease_until = NULL WHERE id = \(taskID)
                    """, logger: logger)
                try await connection.changes("""
                    INSERT INTO task_outcome (task, rule, subject, assignee, partition, outcome, note, time)
                    VALUES (\(taskID), \(state.record.rule), \(state.record.subject), \(state.record.assignee),
                        \(EntityPartition.of(state.record.subject)), \(outcome.rawValue), \(note), \(now.milliseconds))
                    """, logger: logger)
                state.delivery = .acked
                state.outcome = outcome.rawValue
                state.note = note
                return .success(state)
            }
        }
    }

    public func release(
        taskID: String, leaseID: String?, scope prefixes: [String], terms: LeaseTerms, at now: Timestamp
    ) async throws -> Result<TaskState, LeaseRefusal> {
        try await pooled("release") { [logger] connection in
            try await connection.transaction(logger: logger) {
                let held = try await Self.heldTask(connection, logger: logger, id: taskID, leaseID: leaseID, scope: prefixes, at: now)
                guard case .success(var state) = held else { return held }
                state.delivery = state.attempts >= terms.maxAttempts ? .dead : .queued
                try await connection.changes("""
                    UPDATE task SET delivery = \(state.delivery.rawValue), lease_id = NULL, lease_until = NULL
                    WHERE id = \(taskID)
                    """, logger: logger)
                return .success(state)
            }
        }
    }

    public func requeue(taskID: String, scope prefixes: [String]) async throws -> Result<TaskState, LeaseRefusal> {
        try await pooled("requeue") { [logger] connection in
            try await connection.transaction(logger: logger) { () async throws -> Result<TaskState, LeaseRefusal> in
                guard let row = try await connection.rows("""
                    SELECT \(unescaped: Self.taskStateColumns) FROM task WHERE id = \(taskID) FOR UPDATE
                    """, logger: logger).first
                else { return .failure(.unknownTask) }
                let decision = LeaseRules.requeueing(try Self.taskState(row), scope: prefixes)
                guard case .success(let requeued) = decision else { return decision }
                try await connection.changes("""
                    UPDATE task SET delivery = 'queued', attempts = 0, lease_id = NULL, lease_holder = NULL,
                    lease_until = NULL WHERE id = \(taskID)
                    """, logger: logger)
                return .success(requeued)
            }
        }
    }

    public func deadLetters(
        assigneePrefixes prefixes: [String], limit: Int, terms: LeaseTerms, at now: Timestamp
    ) async throws -> [TaskState] {
        try await pooled("dead letters") { [logger] connection in
            try await connection.transaction(logger: logger) {
                try await Self.endOverdueLeases(connection, logger: logger, terms: terms, at: now)
                var text = PostgresQueryText()
                let filter = text.assigneeUnder(prefixes)
                let count = text.bind(limit)
                text.sql = """
                    SELECT \(Self.taskStateColumns) FROM task
                    WHERE delivery = 'dead' AND \(filter)
                    ORDER BY priority DESC, created_at, id LIMIT \(count)
                    """
                return try await connection.rows(text.query, logger: logger).map(Self.taskState)
            }
        }
    }

    public func nextLeaseEnd() async throws -> Timestamp? {
        try await pooled("next lease end") { [logger] connection in
            try await connection.rows("SELECT min(lease_until) AS until FROM task WHERE delivery = 'leased'", logger: logger)
                .first.flatMap { try PostgresRowReader($0)["until", as: Int64?.self] }
                .map(Timestamp.init(milliseconds:))
        }
    }

    public func pendingOutcomes(limit: Int) throws -> [PendingOutcome] {
        try onWriter("pending outcomes") { link in
            try link.run("""
                SELECT seq, task, rule, subject, assignee, outcome, note, time FROM task_outcome ORDER BY seq LIMIT \(limit)
                """).rows.map { row in
                let row = PostgresRowReader(row)
                return PendingOutcome(
                    seq: try row["seq"], task: try row["task"], rule: try row["rule"], subject: try row["subject"],
                    assignee: try row["assignee"], outcome: try row["outcome"], note: try row["note"],
                    time: Timestamp(milliseconds: try row["time"]))
            }
        }
    }

    // MARK: - Inside a transaction

    /// A leased task the caller may ack or release (SQLiteStore's `heldTask`), its row locked.
    private static func heldTask(
        _ connection: PostgresConnection, logger: Logger, id: String, leaseID: String?, scope prefixes: [String],
        at now: Timestamp
    ) async throws -> Result<TaskState, LeaseRefusal> {
        guard let found = try await connection.rows("""
            SELECT \(unescaped: taskStateColumns), lease_id, lease_until FROM task WHERE id = \(id) FOR UPDATE
            """, logger: logger).first
        else { return .failure(.unknownTask) }
        let row = PostgresRowReader(found)
        return LeaseRules.holding(
            try taskState(found), leaseID: try row["lease_id", as: String?.self],
            leaseUntil: try row["lease_until", as: Int64?.self].map(Timestamp.init(milliseconds:)), callerLeaseID: leaseID,
            scope: prefixes, at: now)
    }

    static let taskStateColumns = "id, record, delivery, attempts, outcome, note"

    static func taskState(_ found: PostgresRow) throws -> TaskState {
        let row = PostgresRowReader(found)
        return TaskState(
            record: try taskRecord(found), delivery: TaskDelivery(rawValue: try row["delivery"]) ?? .pending,
            attempts: try row["attempts"], outcome: try row["outcome"], note: try row["note"])
    }

    /// Leases that ran out: the task is due again, or dead after its last attempt.
    private static func endOverdueLeases(
        _ connection: PostgresConnection, logger: Logger, terms: LeaseTerms, at now: Timestamp
    ) async throws {
        try await connection.changes("""
            UPDATE task SET delivery = CASE WHEN attempts >= \(terms.maxAttempts) THEN 'dead' ELSE 'queued' END,
            lease_id = NULL, lease_until = NULL
            WHERE delivery = 'leased' AND lease_until <= \(now.milliseconds)
            """, logger: logger)
    }

    private static func newLeaseID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return "l-" + String(high, radix: 16) + String(low, radix: 16)
    }
}
