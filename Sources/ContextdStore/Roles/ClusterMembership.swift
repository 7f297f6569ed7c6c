public import ContextdEngine
public import ContextdEvents

/// The cluster's membership: which nodes are alive, which node owns which partition, and the
/// state a node needs to take a partition over (docs/decisions/0018-several-nodes.md §2).
///
/// Why a role of its own: ownership is what makes several nodes safe. Every lease lives in the
/// store, its expiry is the **server's** clock (never a node's), and each takeover increments the
/// partition's epoch; a commit carries the epochs it was computed under (``CommitFence``) and the
/// store refuses it inside the commit's own transaction when one moved on. A node paused past its
/// lease therefore can never commit after waking up, whatever it believes.
///
/// Only ``PostgresStore`` conforms: several nodes need a server.
public protocol ClusterMembership: AnyObject, Sendable {
    /// Creates the cluster on first use (its partition count and one lease row per partition,
    /// none owned) and registers this node with a new incarnation. Throws ``ClusterRefusal``:
    /// `partitions` differs from the count the cluster was created with, or a node with this id
    /// and another instance is alive (its heartbeat younger than its lease).
    func join(_ identity: NodeIdentity, partitions: Int, lease: TimeSpan, fingerprint: String) throws -> Membership

    /// Renews the node's row (heartbeat at the server's `now()`, whether its spools are drained,
    /// its applied position, its next deadline) and every lease it holds, in one transaction;
    /// returns the cluster as it is then. Throws ``ClusterRefusal/superseded`` when another
    /// incarnation of the node id replaced this one. `fingerprint` is the rules the node runs now;
    /// when every live node runs the same rules and they are not the cluster's, they become the
    /// cluster's (``ClusterView/fingerprint``) at one log position: a `rules` entry appended in
    /// the same transaction, from which every partition evaluates with them.
    func heartbeat(
        _ membership: Membership, drained: Bool, position: Int64, nextDeadline: Timestamp?, fingerprint: String
    ) throws -> ClusterView

    /// The cluster as it is now (what `contextd status` shows).
    func view() throws -> ClusterView

    /// Takes `partition` when it is not owned, its lease expired, or an earlier incarnation of
    /// this node held it: owner this membership, epoch + 1, expiry the server's `now()` plus the
    /// lease. Returns the lease as taken (with the position and clock its last commit left), or
    /// nil when another node holds it.
    func acquire(_ partition: Int, for membership: Membership) throws -> PartitionLease?

    /// Gives `partition` up when this membership holds it at `epoch` (after its last commit):
    /// the next owner need not wait for the lease to expire.
    func release(_ partition: Int, epoch: Int64, for membership: Membership) throws

    /// Releases every lease of this membership and marks it gone: at a graceful stop, so the
    /// others take its partitions at once.
    func leave(_ membership: Membership) throws

    /// The engine state of `partitions` (`EntityPartition.of(subject) % count`): their timers and
    /// deferred tasks, every dedup and limit key (not yet kept by partition), no contexts (the
    /// engine reads them back by subject) and no seen events (the log refuses duplicates), with
    /// `clock` as the engine's clock.
    func snapshot(partitions: [Int], count: Int, clock: Timestamp?) throws -> EngineSnapshot

    /// Calls `onChange` whenever the log or a partition's position moved (another node appended
    /// or committed), on another thread, until the watch is stopped: a hint that wakes the loop.
    func watchLog(_ onChange: @escaping @Sendable () -> Void) -> LogWatch

    /// Every partition's last committed position and earliest timer there, by partition: what
    /// a node waits on before a step that reaches other partitions (decision 0018 §3).
    func progress() throws -> [Int: PartitionProgress]

    /// Keeps a rule set's files under its fingerprint (nothing when that fingerprint is kept
    /// already), so that any node can evaluate with it: a node stores the rules it loaded
    /// before it reports their fingerprint (decision 0018 §4).
    func storeRuleSet(_ fingerprint: String, files: [RuleFileText]) throws

    /// The files of the rule set kept under `fingerprint`; nil when none is.
    func ruleSetFiles(_ fingerprint: String) throws -> [RuleFileText]?

    /// The fingerprint of the cluster's rules for the entries after `position`: those of the
    /// last change at or before it. Nil for a cluster that never recorded one.
    func rulesInForce(after position: Int64) throws -> String?

    /// A dedup key's time, or a limit key's times, as the partitions committed them: keys that
    /// tasks of several partitions share (``CrossingPlan/sharedKeyPrefixes``).
    func sharedDedupKey(_ key: String) throws -> Timestamp?
    func sharedLimitKey(_ key: String) throws -> [Timestamp]?

    /// Limits what the outbox ledger and the queue select for this node (due tasks, expiry,
    /// the next due time, tasks by delivery state, tasks queued for HTTP) to tasks of `scope`'s
    /// partitions, and staged tasks to those this node staged. Nil lifts the limit.
    func scopeOutbox(to scope: OutboxScope?)
}

/// A node as the cluster knows it: its configured id, and the instance (a random id kept in its
/// data directory) that tells the same node restarted from a second process started elsewhere
/// under the same id.
/// One file of a rule set as the store keeps it: its name relative to the rules path it was
/// found under (as ``RuleFingerprint`` names it) and its text.
public struct RuleFileText: Sendable, Hashable, Codable {
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

public struct NodeIdentity: Sendable, Hashable {
    public var node: String
    public var instance: String

    public init(node: String, instance: String) {
        self.node = node
        self.instance = instance
    }
}

/// This process's place in the cluster, from ``ClusterMembership/join(_:partitions:lease:fingerprint:)``.
public struct Membership: Sendable, Hashable {
    public var identity: NodeIdentity
    /// Incremented at each join of the node id: the leases and commits of an earlier process
    /// of the same node are told from this one's.
    public var incarnation: Int64
    /// The cluster's partition count, fixed when it was created.
    public var partitions: Int
    public var lease: TimeSpan

    public init(identity: NodeIdentity, incarnation: Int64, partitions: Int, lease: TimeSpan) {
        self.identity = identity
        self.incarnation = incarnation
        self.partitions = partitions
        self.lease = lease
    }
}

/// One partition's lease row.
public struct PartitionLease: Sendable, Hashable {
    public var partition: Int
    /// The owning node id and incarnation; nil when released or never owned.
    public var owner: String?
    public var ownerIncarnation: Int64?
    /// Incremented at every takeover; a commit carries the epoch it was computed under.
    public var epoch: Int64
    /// When the lease ends, on the server's clock; nil when not owned.
    public var expiresAt: Timestamp?
    /// Whether it had ended when the row was read (by the server's clock).
    public var isExpired: Bool
    /// The last log position whose effects on this partition are committed, and the log's clock
    /// there (nil before the first commit).
    public var appliedPosition: Int64
    public var clock: Timestamp?

    public init(
        partition: Int, owner: String?, ownerIncarnation: Int64?, epoch: Int64, expiresAt: Timestamp?, isExpired: Bool,
        appliedPosition: Int64, clock: Timestamp?
    ) {
        self.partition = partition
        self.owner = owner
        self.ownerIncarnation = ownerIncarnation
        self.epoch = epoch
        self.expiresAt = expiresAt
        self.isExpired = isExpired
        self.appliedPosition = appliedPosition
        self.clock = clock
    }
}

/// One node's row.
public struct NodeRecord: Sendable, Hashable {
    public var id: String
    public var instance: String
    public var incarnation: Int64
    public var startedAt: Timestamp
    public var heartbeatAt: Timestamp
    /// Whether its heartbeat is younger than its lease (by the server's clock) and it has not left.
    public var isLive: Bool
    /// The fingerprint of the rules it loaded.
    public var fingerprint: String
    /// Whether its spools were drained at its last heartbeat.
    public var drained: Bool
    /// The log position it had applied at its last heartbeat.
    public var position: Int64
    /// Its engine's next timer or deferred task, at its last heartbeat.
    public var nextDeadline: Timestamp?

    public init(
        id: String, instance: String, incarnation: Int64, startedAt: Timestamp, heartbeatAt: Timestamp, isLive: Bool,
        fingerprint: String, drained: Bool, position: Int64, nextDeadline: Timestamp?
    ) {
        self.id = id
        self.instance = instance
        self.incarnation = incarnation
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.isLive = isLive
        self.fingerprint = fingerprint
        self.drained = drained
        self.position = position
        self.nextDeadline = nextDeadline
    }
}

/// The cluster at one moment: its nodes, its leases, the log's head, and the server's clock.
public struct ClusterView: Sendable, Hashable {
    public var partitions: Int
    /// The rules the cluster runs: only a node that runs them holds partitions.
    public var fingerprint: String?
    public var nodes: [NodeRecord]
    public var leases: [PartitionLease]
    public var head: Int64
    public var serverTime: Timestamp

    public init(
        partitions: Int, fingerprint: String? = nil, nodes: [NodeRecord], leases: [PartitionLease], head: Int64,
        serverTime: Timestamp
    ) {
        self.partitions = partitions
        self.fingerprint = fingerprint
        self.nodes = nodes
        self.leases = leases
        self.head = head
        self.serverTime = serverTime
    }
}

/// What the outbox ledger selects for one node (``ClusterMembership/scopeOutbox(to:)``).
///
/// It also fences the one outbox write that is not part of a group commit: a deferred task
/// that became due is marked `staged` (then published) only while this incarnation holds the
/// task's partition, checked by the marking statement itself; a node paused past its lease that
/// wakes up gets ``FencedOut`` instead of publishing a task its successor publishes.
public struct OutboxScope: Sendable, Hashable {
    public var node: String
    public var incarnation: Int64
    public var partitions: Set<Int>
    public var count: Int

    public init(node: String, incarnation: Int64, partitions: Set<Int>, count: Int) {
        self.node = node
        self.incarnation = incarnation
        self.partitions = partitions
        self.count = count
    }
}

/// The leases a commit was computed under: the store checks them inside the commit's own
/// transaction and refuses the whole commit (``FencedOut``) when one moved on (another owner,
/// another epoch). With it the commit writes `position` and `clock` as the partitions' applied
/// position, and keeps its number and receipt on the node's row instead of `engine_meta`.
public struct CommitFence: Sendable, Hashable {
    public var node: String
    public var incarnation: Int64
    /// (partition, epoch) for every partition the batch touches.
    public var leases: [PartitionEpoch]
    public var position: Int64
    public var clock: Timestamp?
    /// The earliest timer of the engine that holds the partitions, as of `position` (the
    /// watermark reads it, ``ClusterMembership/progress()``).
    public var nextTimer: Timestamp?

    public init(
        node: String, incarnation: Int64, leases: [PartitionEpoch], position: Int64, clock: Timestamp?,
        nextTimer: Timestamp? = nil
    ) {
        self.node = node
        self.incarnation = incarnation
        self.leases = leases
        self.position = position
        self.clock = clock
        self.nextTimer = nextTimer
    }
}

/// One partition's place in the log, from its last commit.
public struct PartitionProgress: Sendable, Hashable {
    public var applied: Int64
    public var nextTimer: Timestamp?
    public init(applied: Int64, nextTimer: Timestamp?) {
        self.applied = applied
        self.nextTimer = nextTimer
    }
}

public struct PartitionEpoch: Sendable, Hashable {
    public var partition: Int
    public var epoch: Int64
    public init(partition: Int, epoch: Int64) {
        self.partition = partition
        self.epoch = epoch
    }
}

/// A commit refused because a partition it was computed for moved on: nothing of it was written.
public struct FencedOut: Error, Sendable, Equatable, CustomStringConvertible {
    /// The partitions whose owner or epoch was no longer the fence's.
    public var partitions: [Int]
    public init(partitions: [Int]) { self.partitions = partitions }
    public var description: String {
        "partitions \(partitions.map(String.init).joined(separator: ", ")) moved to another owner; "
            + "this node's commit was refused and nothing of it was written"
    }
}

/// Why a node may not join.
public enum ClusterRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case partitionCount(stored: Int, configured: Int)
    case nodeRunning(node: String, instance: String, heartbeatAgo: TimeSpan)
    case superseded(node: String, incarnation: Int64)

    public var description: String {
        switch self {
        case .partitionCount(let stored, let configured):
            "the cluster was created with \(stored) partitions and 'cluster.partitions' says \(configured); the count "
                + "cannot change on a live store (docs/operations.md, \"Changing the partition count\"): set it back "
                + "to \(stored)"
        case .nodeRunning(let node, let instance, let ago):
            "node '\(node)' is running elsewhere (instance \(instance), last heartbeat \(ago) ago); give this node "
                + "another 'cluster.node', or stop the other one"
        case .superseded(let node, let incarnation):
            "node '\(node)' joined again (incarnation \(incarnation)) while this process ran; this process stops"
        }
    }
}
