public import ContextdEngine
import ContextdEvents
import PostgresNIO

/// The console's reads (SQLiteStore+Browse.swift), on the pool: one page at a time, newest
/// first, by a keyset cursor.
extension PostgresStore {
    public func browseTasks(_ query: TaskBrowseQuery) async throws -> TaskBrowsePage {
        let statement = Self.browseStatement(query)
        let rows = try await pooled("browse tasks") { [logger] connection in
            try await connection.rows(statement, logger: logger)
        }
        let tasks = try rows.prefix(query.limit).map(Self.browsedTask)
        let next = rows.count > query.limit ? tasks.last.map {
            TaskCursor(createdAt: $0.record.createdAt, id: $0.record.id)
        } : nil
        return TaskBrowsePage(tasks: tasks, next: next)
    }

    /// The statement ``browseTasks(_:)`` runs: one row more than the page, to know whether
    /// another follows.
    static func browseStatement(_ query: TaskBrowseQuery) -> PostgresQuery {
        var text = PostgresQueryText()
        var clauses = [text.assigneeUnder(query.scope)]
        if let rule = query.rule { clauses.append("rule = \(text.bind(rule))") }
        if let subject = query.subject { clauses.append("subject = \(text.bind(subject))") }
        if let prefix = query.assigneePrefix, !prefix.isEmpty {
            clauses.append("starts_with(assignee, \(text.bind(prefix)))")
        }
        switch query.state {
        case .delivery(let delivery)?: clauses.append("delivery = \(text.bind(delivery.rawValue))")
        case .deferred?: clauses.append("delivery = 'pending' AND due_at > \(committedClock)")
        case nil: break
        }
        if let before = query.before {
            clauses.append("(created_at, id) < (\(text.bind(before.createdAt.milliseconds)), \(text.bind(before.id)))")
        }
        let limit = text.bind(query.limit + 1)
        text.sql = """
            SELECT \(browseColumns) FROM task WHERE \(clauses.joined(separator: " AND "))
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """
        return text.query
    }

    public func browsedTask(id: String, scope: [String]) async throws -> BrowsedTask? {
        let rows = try await pooled("browse task") { [logger] connection in
            try await connection.rows("SELECT \(unescaped: Self.browseColumns) FROM task WHERE id = \(id)", logger: logger)
        }
        guard let row = rows.first else { return nil }
        let task = try Self.browsedTask(row)
        return assignee(task.record.assignee, isUnder: scope) ? task : nil
    }

    public func committedContext(of subject: String) async throws -> EntityContext? {
        let rows = try await pooled("read context") { [logger] connection in
            try await connection.rows("""
                SELECT subject, declaration, state FROM entity_context WHERE subject = \(subject)
                """, logger: logger)
        }
        return try Self.contexts(rows).first
    }

    public func suppressedTasks(assigneePrefixes prefixes: [String], limit: Int) async throws -> [SuppressedTask] {
        var text = PostgresQueryText()
        let filter = text.assigneeUnder(prefixes)
        let count = text.bind(limit)
        text.sql = "SELECT id, record, policy FROM suppressed_task WHERE \(filter) ORDER BY created_at DESC, id LIMIT \(count)"
        let query = text.query
        let rows = try await pooled("suppressed tasks") { [logger] connection in
            try await connection.rows(query, logger: logger)
        }
        return try rows.map { SuppressedTask(record: try Self.taskRecord($0), policy: try PostgresRowReader($0)["policy"]) }
    }

    public func explanation(of taskID: String) async throws -> StoredExplanation? {
        let rows = try await pooled("explanation") { [logger] connection in
            try await Self.explanationQueries(taskID).asyncMap { try await connection.rows($0, logger: logger) }
        }
        return try Self.explanation(of: taskID, rows)
    }

    /// The engine clock of the last commit, as SQL (no clock yet: every due time is ahead).
    private static let committedClock = "coalesce((SELECT clock FROM engine_meta WHERE id = 1), -9223372036854775808)"

    private static let browseColumns = """
        id, record, delivery, attempts, outcome, note, delivered_at, acked_at, lease_holder, lease_until,
        (delivery = 'pending' AND due_at > \(committedClock)) AS deferred
        """

    private static func browsedTask(_ found: PostgresRow) throws -> BrowsedTask {
        let row = PostgresRowReader(found)
        return BrowsedTask(
            record: try taskRecord(found), delivery: TaskDelivery(rawValue: try row["delivery"]) ?? .pending,
            deferred: try row["deferred"], attempts: try row["attempts"], outcome: try row["outcome"],
            note: try row["note"],
            deliveredAt: (try row["delivered_at", as: Int64?.self]).map(Timestamp.init(milliseconds:)),
            ackedAt: (try row["acked_at", as: Int64?.self]).map(Timestamp.init(milliseconds:)),
            leaseHolder: try row["lease_holder"],
            leaseUntil: (try row["lease_until", as: Int64?.self]).map(Timestamp.init(milliseconds:)))
    }
}
