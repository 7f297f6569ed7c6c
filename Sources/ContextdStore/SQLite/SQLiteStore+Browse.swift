public import ContextdEngine
import ContextdEvents
import GRDB

/// The console's reads of tasks and contexts (docs/operations.md, "Console"): bounded to one
/// page, on reader connections, never on the writer the pipeline commits through.
extension SQLiteStore: TaskBrowser {
    /// The newest tasks matching `query`, at most `query.limit`, newest first.
    ///
    /// One more row than the page is read to know whether another page follows; nothing
    /// beyond that is loaded. Indexes of migration v7 serve the order and the subject filter.
    public func browseTasks(_ query: TaskBrowseQuery) async throws -> TaskBrowsePage {
        try await pool.read { db in
            let (sql, arguments) = Self.browseStatement(query)
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let tasks = try rows.prefix(query.limit).map(Self.browsedTask)
            let next = rows.count > query.limit ? tasks.last.map {
                TaskCursor(createdAt: $0.record.createdAt, id: $0.record.id)
            } : nil
            return TaskBrowsePage(tasks: tasks, next: next)
        }
    }

    /// The statement ``browseTasks(_:)`` runs (and a test reads the query plan of).
    static func browseStatement(_ query: TaskBrowseQuery) -> (String, StatementArguments) {
        let (scope, scopeArguments) = Self.prefixFilter(query.scope)
        var clauses = [scope]
        var arguments = scopeArguments
        if let rule = query.rule {
            clauses.append("rule = ?")
            arguments += [rule]
        }
        if let subject = query.subject {
            clauses.append("subject = ?")
            arguments += [subject]
        }
        if let prefix = query.assigneePrefix, !prefix.isEmpty {
            clauses.append("substr(assignee, 1, length(?)) = ?")
            arguments += [prefix, prefix]
        }
        switch query.state {
        case .delivery(let delivery)?:
            clauses.append("delivery = ?")
            arguments += [delivery.rawValue]
        case .deferred?:
            clauses.append("delivery = 'pending' AND due_at > \(Self.committedClock)")
        case nil:
            break
        }
        if let before = query.before {
            clauses.append("(created_at, id) < (?, ?)")
            arguments += [before.createdAt.milliseconds, before.id]
        }
        return ("""
            SELECT \(Self.browseColumns) FROM task WHERE \(clauses.joined(separator: " AND "))
            ORDER BY created_at DESC, id DESC LIMIT ?
            """, arguments + [query.limit + 1])
    }

    /// The task `id` when its assignee is under `scope`; nil when there is none or it is
    /// outside (the console must not tell the two apart).
    public func browsedTask(id: String, scope: [String]) async throws -> BrowsedTask? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.browseColumns) FROM task WHERE id = ?",
                arguments: [id])
            else { return nil }
            let task = try Self.browsedTask(row)
            return assignee(task.record.assignee, isUnder: scope) ? task : nil
        }
    }

    /// The context last committed for `subject`, for the console: on a reader connection,
    /// waiting without holding a thread of the server.
    public func committedContext(of subject: String) async throws -> EntityContext? {
        let text = try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT state FROM entity_context WHERE subject = ?", arguments: [subject])
        }
        return try text.map { try EntityContext(subject: subject, storedText: $0) }
    }

    /// The engine clock of the last commit, as SQL (no clock yet: every due time is ahead).
    private static let committedClock = "coalesce((SELECT clock FROM engine_meta WHERE id = 1), -9223372036854775808)"

    private static let browseColumns = """
        id, record, delivery, attempts, outcome, note, delivered_at, acked_at, lease_holder, lease_until,
        delivery = 'pending' AND due_at > \(committedClock) AS deferred
        """

    private static func browsedTask(_ row: Row) throws -> BrowsedTask {
        BrowsedTask(
            record: try TaskRecord(id: row["id"], storedText: row["record"]),
            delivery: TaskDelivery(rawValue: row["delivery"]) ?? .pending, deferred: row["deferred"],
            attempts: row["attempts"], outcome: row["outcome"], note: row["note"],
            deliveredAt: (row["delivered_at"] as Int64?).map(Timestamp.init(milliseconds:)),
            ackedAt: (row["acked_at"] as Int64?).map(Timestamp.init(milliseconds:)),
            leaseHolder: row["lease_holder"],
            leaseUntil: (row["lease_until"] as Int64?).map(Timestamp.init(milliseconds:)))
    }
}
