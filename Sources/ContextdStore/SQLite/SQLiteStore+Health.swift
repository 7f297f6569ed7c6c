public import ContextdEvents
import GRDB
import Glibc

extension SQLiteStore: StoreHealthProbe {
    /// The database file and its write-ahead log together (what the store takes on disk
    /// between two checkpoints), the last commit and the last error.
    public func health() async -> StoreHealth {
        let sizes = [path, path + "-wal"].compactMap(Self.fileSize)
        return StoreHealth(
            kind: "sqlite", location: path, sizeBytes: sizes.isEmpty ? nil : sizes.reduce(0, +),
            lastCommit: activity.lastCommit, lastError: activity.lastError)
    }

    public func taskTally(at clock: Timestamp?) async throws -> StoredTaskTally {
        try await activity.noting { try await pool.read { db in try Self.taskTally(db, at: clock) } }
    }

    private static func taskTally(_ db: Database, at clock: Timestamp?) throws -> StoredTaskTally {
        var tally = StoredTaskTally()
        for row in try Row.fetchAll(db, sql: "SELECT delivery, count(*) AS n FROM task GROUP BY delivery") {
            if let state = TaskDelivery(rawValue: row["delivery"]) { tally.byDelivery[state] = row["n"] }
        }
        if let clock {
            tally.deferred = try Int.fetchOne(db, sql: "SELECT count(*) FROM task WHERE delivery = 'pending' AND due_at > ?",
                arguments: [clock.milliseconds]) ?? 0
        } else {
            // No clock yet: every pending task still waits for its not_before, if it has one.
            tally.deferred = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM task WHERE delivery = 'pending' AND deferred_by IS NOT NULL
                """) ?? 0
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT outcome, count(*) AS n FROM task WHERE delivery = 'acked' GROUP BY outcome
            """)
        {
            tally.acked[row["outcome"] ?? "unknown", default: 0] += row["n"] as Int
        }
        tally.expiredOnArrival = try Int.fetchOne(db, sql: """
            SELECT count(*) FROM task WHERE delivery = 'expired' AND expired_on_arrival = 1
            """) ?? 0
        return tally
    }

    private static func fileSize(_ path: String) -> Int? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Int(status.st_size)
    }
}
