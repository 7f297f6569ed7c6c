public import ContextdEvents
import Glibc

/// The `cluster:` section: this daemon is a node of a cluster that shares one PostgreSQL
/// store, and evaluates the cluster's event log instead of the files it claims
/// (docs/decisions/0018-several-nodes.md).
///
/// Why a section of its own rather than "PostgreSQL means cluster": a single daemon on
/// PostgreSQL keeps the path it has (its files applied as it claims them, no second write of
/// every event), and an operator turns the log on knowingly, on every node alike.
public struct ClusterSettings: Sendable, Equatable {
    /// `cluster.node`: this node's name among the nodes, in the log's file records and (with
    /// several nodes) on its partition leases. Default: the host name.
    public var node: String
    /// `cluster.partitions`: how many partitions subjects are hashed into. Used once, when the
    /// first node creates the cluster; a node whose count differs from the cluster's is refused.
    public var partitions: Int
    /// `cluster.lease`: how long a node's partitions stay its own without a heartbeat (it beats
    /// every third of it); a dead node's partitions are taken over after about this long.
    public var lease: TimeSpan
    /// `cluster.log_retention`: how long (in the log's clock) entries stay in the event log once
    /// every partition has applied them; nil, the default, keeps the whole log.
    ///
    /// Why no default: the log is the reference of the run (`contextd log export`), and a pruned
    /// entry is gone from every later export; an operator chooses what to keep. The log refuses a
    /// duplicate only for as long as it keeps the event, so a retention shorter than
    /// `dedup_retention` lets older duplicates through.
    public var logRetention: TimeSpan?

    public init(
        node: String, partitions: Int = ClusterSettings.defaultPartitions, lease: TimeSpan = ClusterSettings.defaultLease,
        logRetention: TimeSpan? = nil
    ) {
        self.node = node
        self.partitions = partitions
        self.lease = lease
        self.logRetention = logRetention
    }

    public static let defaultPartitions = 64
    public static let defaultLease = TimeSpan.seconds(10)
    /// More would make every node's lease table and every rebalance heavier for no gain on the
    /// sizes decision 0018 plans for (tens of nodes).
    public static let maximumPartitions = 4096

    /// What a node id may be: a host name's letters, so that it reads well in logs and status.
    static func problem(with id: String) -> String? {
        if id.isEmpty { return "is empty" }
        if id.utf8.count > 63 { return "is longer than 63 bytes" }
        let allowed = id.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_": true
            default: false
            }
        }
        return allowed ? nil : "may hold only letters, digits, '.', '-' and '_'"
    }

    /// The host name (`gethostname`), the default `cluster.node`; "localhost" when the system
    /// gives none.
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
