public import ContextdEngine
public import ContextdEvents
import PostgresNIO

/// The file outbox's side of the `task` rows, on the writer: after the commit in flight.
///
/// A node of several (``ClusterMembership/scopeOutbox(to:)``) selects only tasks of its
/// partitions; without a scope every statement is the one a daemon alone has always run.
extension PostgresStore {
    /// ``TaskRecord/isDue(at:)`` in SQL, at the clock `$1`: `expires_before_due` was computed
    /// by ``TaskRecord/expiresBeforeDue`` when the row was written, so the rule lives in Swift.
    static let due = "delivery = 'pending' AND due_at <= $1 AND NOT expires_before_due"

    public func dueTasks(at clock: Timestamp, limit: Int) throws -> [StoredTask] {
        let scope = outboxScope
        return try onWriter("due tasks") { link in
            var text = PostgresQueryText()
            _ = text.bind(clock.milliseconds)
            let count = text.bind(limit)
            let scoped = text.partitionsOf(scope)
            text.sql = """
                SELECT id, record FROM task WHERE \(Self.due)\(scoped) ORDER BY priority DESC, created_at, id LIMIT \(count)
                """
            return try link.run(text.query).rows.map { StoredTask(record: try Self.taskRecord($0), delivery: .pending) }
        }
    }

    public func expireTasks(at clock: Timestamp) throws -> Int {
        let scope = outboxScope
        return try onWriter("expire tasks") { link in
            var text = PostgresQueryText()
            let delivered = text.bind(clock.milliseconds)
            let due = text.bind(clock.milliseconds)
            let scoped = text.partitionsOf(scope)
            text.sql = """
                UPDATE task SET delivery = 'expired', delivered_at = \(delivered)
                WHERE delivery = 'pending' AND due_at <= \(due) AND expires_before_due\(scoped)
                """
            return try link.run(text.query).metadata.rows ?? 0
        }
    }

    public func markTasks(_ ids: [String], as state: TaskDelivery, at time: Timestamp) throws {
        guard !ids.isEmpty else { return }
        if state == .staged, let scope = outboxScope {
            try markStaged(ids, at: time, fencedBy: scope)
            return
        }
        try onWriter("mark tasks") { link in _ = try link.run(Self.mark(ids, as: state, at: time)) }
    }

    /// A node's `staged` mark of due tasks (``OutboxScope``): only pending tasks of partitions
    /// this incarnation holds at that moment, in the marking statement itself. Fewer rows than
    /// ids: a partition moved on while this node was paused; ``FencedOut`` (the tasks it did
    /// mark are its own to publish, as staged tasks are at its next start).
    private func markStaged(_ ids: [String], at time: Timestamp, fencedBy scope: OutboxScope) throws {
        let marked = try onWriter("mark tasks") { link in
            var text = PostgresQueryText()
            let delivered = text.bind(time.milliseconds)
            let node = text.bind(scope.node)
            let list = text.bind(ids)
            let count = text.bind(Int64(scope.count))
            let incarnation = text.bind(scope.incarnation)
            text.sql = """
                UPDATE task SET delivery = 'staged', delivered_at = \(delivered), staged_by = \(node)
                WHERE id = ANY(\(list)::text[]) AND delivery = 'pending' AND EXISTS (
                    SELECT 1 FROM partition_lease l
                    WHERE l.partition = task.partition % \(count) AND l.owner = \(node) AND l.owner_incarnation = \(incarnation))
                RETURNING partition % \(count) AS partition
                """
            return try link.run(text.query).rows.count
        }
        guard marked == ids.count else {
            let lost = try view().leases.filter { scope.partitions.contains($0.partition) && $0.owner != scope.node }
            throw FencedOut(partitions: lost.map(\.partition).sorted())
        }
    }

    /// Moves tasks to a delivery state, noting when: one statement.
    static func mark(_ ids: [String], as state: TaskDelivery, at time: Timestamp) -> PostgresQuery {
        "UPDATE task SET delivery = \(state.rawValue), delivered_at = \(time.milliseconds) WHERE id = ANY(\(ids)::text[])"
    }

    /// In a node's scope, staged tasks are the ones this node staged, whatever their partition:
    /// their files are in this node's outbox, and only this node can publish them, also after
    /// it gave their partition up.
    public func tasks(in state: TaskDelivery) throws -> [StoredTask] {
        let scope = outboxScope
        return try onWriter("tasks") { link in
            var text = PostgresQueryText()
            let delivery = text.bind(state.rawValue)
            let scoped = state == .staged ? text.stagedBy(scope) : text.partitionsOf(scope)
            text.sql = """
                SELECT id, record FROM task WHERE delivery = \(delivery)\(scoped) ORDER BY priority DESC, created_at, id
                """
            return try link.run(text.query).rows.map { StoredTask(record: try Self.taskRecord($0), delivery: state) }
        }
    }

    public func nextDue(after clock: Timestamp) throws -> Timestamp? {
        let scope = outboxScope
        return try onWriter("next due") { link in
            var text = PostgresQueryText()
            let after = text.bind(clock.milliseconds)
            let scoped = text.partitionsOf(scope)
            text.sql = "SELECT min(due_at) AS due FROM task WHERE delivery = 'pending' AND due_at > \(after)\(scoped)"
            return try link.run(text.query)
                .rows.first.flatMap { try PostgresRowReader($0)["due", as: Int64?.self] }
                .map(Timestamp.init(milliseconds:))
        }
    }

    // MARK: - Spool ledger

    public func progress(spool: String) throws -> [String: FileProgress] {
        try onWriter("spool progress") { link in
            var result: [String: FileProgress] = [:]
            for row in try link.run("SELECT file, items, finished FROM file_progress WHERE spool = \(spool)").rows {
                let row = PostgresRowReader(row)
                let file: String = try row["file"]
                result[file] = FileProgress(spool: spool, file: file, items: try row["items"], finished: try row["finished"])
            }
            return result
        }
    }

    public func rejections(spool: String, file: String, late: Bool) throws -> [EventRejection] {
        try onWriter("file rejects") { link in
            try link.run("""
                SELECT line, error, raw FROM file_reject WHERE spool = \(spool) AND file = \(file) AND late = \(late)
                ORDER BY seq
                """).rows.map { row in
                let row = PostgresRowReader(row)
                return EventRejection(line: try row["line"], error: try row["error"], raw: try row["raw"])
            }
        }
    }

    // MARK: - StateStore's synchronous reads, on the reader

    public func taskCounts() throws -> [TaskDelivery: Int] {
        try onReader("task counts") { link in try Self.taskCounts(link.run(Self.taskCountsQuery).rows) }
    }

    public func explanation(of taskID: String) throws -> StoredExplanation? {
        try onReader("explanation") { link in
            try Self.explanation(of: taskID, Self.explanationQueries(taskID).map { try link.run($0).rows })
        }
    }

    static let taskCountsQuery: PostgresQuery = "SELECT delivery, count(*) AS n FROM task GROUP BY delivery"

    static func taskCounts(_ rows: [PostgresRow]) throws -> [TaskDelivery: Int] {
        var counts: [TaskDelivery: Int] = [:]
        for row in rows {
            let row = PostgresRowReader(row)
            if let state = TaskDelivery(rawValue: try row["delivery"]) { counts[state] = try row["n", as: Int.self] }
        }
        return counts
    }

    /// The reads behind `contextd explain`: the explanation's text, the task, the stopped candidate.
    static func explanationQueries(_ taskID: String) -> [PostgresQuery] {
        [
            "SELECT text FROM task_explanation WHERE id = \(taskID)",
            "SELECT id, record, delivery, attempts, outcome, note FROM task WHERE id = \(taskID)",
            "SELECT id, record, policy FROM suppressed_task WHERE id = \(taskID)",
        ]
    }

    /// `contextd explain`'s record, status and text from the rows of ``explanationQueries(_:)``.
    static func explanation(of taskID: String, _ rows: [[PostgresRow]]) throws -> StoredExplanation? {
        let text = try rows[0].first.map { try PostgresRowReader($0)["text", as: String.self] }
        if let found = rows[1].first {
            let row = PostgresRowReader(found)
            let status = StoredExplanation.status(
                delivery: try row["delivery"], outcome: try row["outcome", as: String?.self],
                note: try row["note", as: String?.self], attempts: try row["attempts"])
            return StoredExplanation(record: try taskRecord(found), status: status, text: text)
        }
        guard let found = rows[2].first else { return nil }
        let policy: String = try PostgresRowReader(found)["policy"]
        return StoredExplanation(record: try taskRecord(found), status: StoredExplanation.status(suppressedBy: policy), text: text)
    }
}

extension Array {
    /// `map` with an asynchronous transform, one element after the other.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        result.reserveCapacity(count)
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
