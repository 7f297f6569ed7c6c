public import ContextdEngine
public import ContextdEvents
import PostgresNIO

/// The engine state of some partitions, for a node that takes them (decision 0018 §2).
extension PostgresStore {
    /// On the writer, so it sees this node's last commit; in one REPEATABLE READ transaction, so
    /// timers, keys and deferred tasks are of one moment.
    public func snapshot(partitions: [Int], count: Int, clock: Timestamp?) throws -> EngineSnapshot {
        guard count > 0 else {
            throw PostgresStoreError(operation: "snapshot", message: "a partition count of \(count); it must be at least 1")
        }
        let owned = partitions.map(Int64.init)
        let modulus = Int64(count)
        return try onWriter("snapshot of partitions") { link in
            try link.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            defer { _ = try? link.run("COMMIT") }
            var snapshot = EngineSnapshot()
            snapshot.clock = clock
            snapshot.timers = try Self.timers(link.run("""
                SELECT rule, subject, key, at FROM timer WHERE partition % \(modulus) = ANY(\(owned)::bigint[])
                """).rows)
            snapshot.dedupKeys = try Self.dedupKeys(link.run("SELECT key, time FROM dedup_key").rows)
            snapshot.limitKeys = try Self.limitKeys(link.run("SELECT key, times FROM limit_key").rows)
            snapshot.deferredTasks = try link.run("""
                SELECT id, record FROM task
                WHERE deferred_by IS NOT NULL AND delivery = 'pending' AND due_at > \(clock?.milliseconds ?? Int64.min)
                    AND partition % \(modulus) = ANY(\(owned)::bigint[])
                """).rows.map(Self.taskRecord)
            return snapshot
        }
    }
}
