public import ContextdEvents
import PostgresNIO

/// What the store says of itself (`/readyz`, `/metrics`, `/v1/status`), on the pool: never
/// behind a commit.
extension PostgresStore {
    /// The database's size (`pg_database_size`), the last commit and the last error.
    public func health() async -> StoreHealth {
        let size: Int? = try? await pooled("health") { [logger] connection in
            try await connection.rows("SELECT pg_database_size(current_database()) AS size", logger: logger)
                .first.map { try PostgresRowReader($0)["size", as: Int.self] }
        }
        return StoreHealth(
            kind: "postgresql", location: location, sizeBytes: size, lastCommit: activity.lastCommit,
            lastError: activity.lastError)
    }

    /// A file problem is SQLite's (its file deleted or replaced); a server has none.
    public var storageProblem: String? { nil }

    public func taskTally(at clock: Timestamp?) async throws -> StoredTaskTally {
        let deferred: PostgresQuery = clock.map {
            "SELECT count(*) AS n FROM task WHERE delivery = 'pending' AND due_at > \($0.milliseconds)"
        } ?? "SELECT count(*) AS n FROM task WHERE delivery = 'pending' AND deferred_by IS NOT NULL"
        return try await pooled("task tally") { [logger] connection in
            try await connection.transaction(logger: logger) {
                var tally = StoredTaskTally()
                tally.byDelivery = try Self.taskCounts(await connection.rows(Self.taskCountsQuery, logger: logger))
                tally.deferred = try Self.count(await connection.rows(deferred, logger: logger))
                for row in try await connection.rows("""
                    SELECT outcome, count(*) AS n FROM task WHERE delivery = 'acked' GROUP BY outcome
                    """, logger: logger)
                {
                    let row = PostgresRowReader(row)
                    tally.acked[try row["outcome", as: String?.self] ?? "unknown", default: 0] += try row["n", as: Int.self]
                }
                tally.expiredOnArrival = try Self.count(await connection.rows("""
                    SELECT count(*) AS n FROM task WHERE delivery = 'expired' AND expired_on_arrival
                    """, logger: logger))
                return tally
            }
        }
    }

    public func taskCounts() async throws -> [TaskDelivery: Int] {
        try await pooled("task counts") { [logger] connection in
            try Self.taskCounts(await connection.rows(Self.taskCountsQuery, logger: logger))
        }
    }

    /// False at once while the writer cannot reach the server (a commit is retrying); otherwise
    /// whether a query on the pool answers within ``PostgresStore/Options/probeTimeout`` (the
    /// pool waits for a connection as long as it takes; `/readyz` must not).
    public func isAvailable() async -> Bool {
        guard reachability.isReachable else { return false }
        let timeout = options.probeTimeout
        return await withTaskGroup(of: Bool.self) { [client, logger] group in
            group.addTask {
                do {
                    _ = try await client.withConnection { connection in try await connection.rows("SELECT 1", logger: logger) }
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let answer = await group.next() ?? false
            group.cancelAll()
            return answer
        }
    }

    private static func count(_ rows: [PostgresRow]) throws -> Int {
        try rows.first.map { try PostgresRowReader($0)["n", as: Int.self] } ?? 0
    }
}
