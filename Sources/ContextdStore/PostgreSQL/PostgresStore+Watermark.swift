public import ContextdEngine
public import ContextdEvents
import PostgresNIO

/// What a node reads before a step that reaches other partitions (decision 0018 §3): where
/// every partition stands, and the keys their tasks share.
extension PostgresStore {
    /// On the writer, so it sees this node's last commit.
    public func progress() throws -> [Int: PartitionProgress] {
        try onWriter("read the partitions' progress") { link in
            var progress: [Int: PartitionProgress] = [:]
            for row in try link.run("SELECT partition, applied_pos, next_timer FROM partition_lease").rows {
                let row = PostgresRowReader(row)
                let nextTimer: Int64? = try row["next_timer"]
                progress[try row["partition"]] = PartitionProgress(
                    applied: try row["applied_pos"], nextTimer: nextTimer.map(Timestamp.init(milliseconds:)))
            }
            return progress
        }
    }

    /// On the writer, so it sees this node's last commit.
    public func sharedDedupKey(_ key: String) throws -> Timestamp? {
        try onWriter("read a shared key") { link in
            try Self.dedupKeys(link.run("SELECT key, time FROM dedup_key WHERE key = \(key)").rows)[key]
        }
    }

    /// On the writer, so it sees this node's last commit.
    public func sharedLimitKey(_ key: String) throws -> [Timestamp]? {
        try onWriter("read a shared key") { link in
            try Self.limitKeys(link.run("SELECT key, times FROM limit_key WHERE key = \(key)").rows)[key]
        }
    }
}
