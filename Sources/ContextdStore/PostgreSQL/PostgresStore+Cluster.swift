public import ContextdEngine
public import ContextdEvents
import PostgresNIO

/// The cluster's membership in PostgreSQL (decision 0018 §2): the `cluster`, `node` and
/// `partition_lease` tables of migration `pg3-cluster`.
///
/// Every call runs on the membership link (``PostgresStore/onMembershipLink(_:_:)``), never on
/// the writer: a heartbeat must renew the node's leases while the loop's commit holds the
/// writer for as long as it takes. Every time is the server's `now()`.
///
/// Lock order: a transaction that locks a node's row and some of its lease rows (a heartbeat,
/// a leave, a fenced commit) locks the node's row first, so two of them of the same node never
/// wait for each other in a cycle; an acquire or a release locks one lease row and nothing else.
extension PostgresStore: ClusterMembership {
    /// The advisory lock that makes joins take turns (creating the cluster, a node's row).
    static let joinLock: Int64 = 7_202_000

    public func join(_ identity: NodeIdentity, partitions: Int, lease: TimeSpan, fingerprint: String) throws -> Membership {
        guard partitions > 0 else {
            throw PostgresStoreError(operation: "join the cluster", message: """
                'cluster.partitions' is \(partitions); a cluster has at least 1 partition (64 by default)
                """)
        }
        guard lease.milliseconds > 0 else {
            throw PostgresStoreError(operation: "join the cluster", message: "the lease is \(lease); it must be longer than 0")
        }
        return try onMembershipLink("join the cluster") { link in
            try Self.inTransaction(link) {
                try link.run("SELECT pg_advisory_xact_lock(\(Self.joinLock))")
                let stored = try link.run("SELECT partitions FROM cluster WHERE id = 1").rows.first
                    .map { try PostgresRowReader($0)["partitions", as: Int.self] }
                if let stored, stored != partitions {
                    throw ClusterRefusal.partitionCount(stored: stored, configured: partitions)
                }
                if stored == nil {
                    try link.run("INSERT INTO cluster (id, partitions, fingerprint) VALUES (1, \(partitions), \(fingerprint))")
                    try link.run("""
                        INSERT INTO cluster_rules (from_pos, fingerprint) SELECT pos, \(fingerprint) FROM log_head WHERE id = 1
                        ON CONFLICT (from_pos) DO NOTHING
                        """)
                    try link.run("""
                        INSERT INTO partition_lease (partition) SELECT generate_series(0, \(partitions - 1))
                        ON CONFLICT (partition) DO NOTHING
                        """)
                }
                let incarnation = try Self.registerNode(identity, lease: lease, fingerprint: fingerprint, link)
                return Membership(identity: identity, incarnation: incarnation, partitions: partitions, lease: lease)
            }
        }
    }

    /// The node's row for a new incarnation, under the join lock: a new row, the same instance
    /// again (the same node restarted: one process at a time holds its data directory, so the
    /// earlier one is gone), or another instance whose heartbeat ran out or that left.
    private static func registerNode(
        _ identity: NodeIdentity, lease: TimeSpan, fingerprint: String, _ link: PostgresConnectionLink
    ) throws -> Int64 {
        guard let found = try link.run("""
            SELECT instance, incarnation,
                left_at IS NULL AND heartbeat_at > now() - lease_ms * interval '1 millisecond' AS live,
                \(unescaped: epochMilliseconds(of: "now() - heartbeat_at")) AS ago
            FROM node WHERE id = \(identity.node) FOR UPDATE
            """).rows.first
        else {
            try link.run("""
                INSERT INTO node (id, instance, incarnation, started_at, heartbeat_at, lease_ms, fingerprint)
                VALUES (\(identity.node), \(identity.instance), 1, now(), now(), \(lease.milliseconds), \(fingerprint))
                """)
            return 1
        }
        let row = PostgresRowReader(found)
        let instance: String = try row["instance"]
        if instance != identity.instance, try row["live", as: Bool.self] {
            throw ClusterRefusal.nodeRunning(
                node: identity.node, instance: instance, heartbeatAgo: TimeSpan(milliseconds: try row["ago"]))
        }
        guard let updated = try link.run("""
            UPDATE node SET instance = \(identity.instance), incarnation = incarnation + 1, started_at = now(),
                heartbeat_at = now(), left_at = NULL, lease_ms = \(lease.milliseconds), fingerprint = \(fingerprint),
                drained = false, next_deadline = NULL, not_staged = '{}'
            WHERE id = \(identity.node) RETURNING incarnation
            """).rows.first
        else {
            throw PostgresStoreError(operation: "join the cluster", message: "node '\(identity.node)' vanished during its join")
        }
        return try PostgresRowReader(updated)["incarnation"]
    }

    public func heartbeat(
        _ membership: Membership, drained: Bool, position: Int64, nextDeadline: Timestamp?, fingerprint: String
    ) throws -> ClusterView {
        let node = membership.identity.node
        return try onMembershipLink("heartbeat") { link in
            try Self.inTransaction(link) {
                let beat = try link.run("""
                    UPDATE node SET heartbeat_at = now(), drained = \(drained), position = \(position),
                        next_deadline = \(nextDeadline?.milliseconds), fingerprint = \(fingerprint)
                    WHERE id = \(node) AND incarnation = \(membership.incarnation)
                    """)
                guard (beat.metadata.rows ?? 0) > 0 else {
                    throw try Self.superseded(node: node, incarnation: membership.incarnation, link)
                }
                // Every live node runs the same other rules: the cluster's follow them, from one
                // log position on.
                let switched = try link.run("""
                    UPDATE cluster SET fingerprint = \(fingerprint)
                    WHERE id = 1 AND fingerprint IS DISTINCT FROM \(fingerprint) AND NOT EXISTS (
                        SELECT 1 FROM node WHERE left_at IS NULL AND heartbeat_at > now() - lease_ms * interval '1 millisecond'
                            AND fingerprint <> \(fingerprint))
                    """)
                if (switched.metadata.rows ?? 0) > 0 { try Self.appendRulesEntry(fingerprint, link) }
                try link.run("""
                    UPDATE partition_lease SET expires_at = now() + \(membership.lease.milliseconds) * interval '1 millisecond'
                    WHERE owner = \(node) AND owner_incarnation = \(membership.incarnation)
                    """)
                return try Self.clusterView(link)
            }
        }
    }

    public func view() throws -> ClusterView {
        try onMembershipLink("read the cluster") { link in
            try link.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            defer { _ = try? link.run("COMMIT") }
            return try Self.clusterView(link)
        }
    }

    public func leave(_ membership: Membership) throws {
        let node = membership.identity.node
        try onMembershipLink("leave the cluster") { link in
            try Self.inTransaction(link) {
                // A superseded process leaves nothing of the newer one's: both statements name its incarnation.
                try link.run("UPDATE node SET left_at = now() WHERE id = \(node) AND incarnation = \(membership.incarnation)")
                try link.run("""
                    UPDATE partition_lease SET owner = NULL, owner_incarnation = NULL, expires_at = NULL
                    WHERE owner = \(node) AND owner_incarnation = \(membership.incarnation)
                    """)
            }
        }
    }

    public func scopeOutbox(to scope: OutboxScope?) {
        outboxScope = scope
    }

    // MARK: - Parts

    /// ``ClusterRefusal/superseded(node:incarnation:)`` with the incarnation that replaced
    /// `incarnation` (read in the caller's transaction).
    static func superseded(node: String, incarnation: Int64, _ link: PostgresConnectionLink) throws -> ClusterRefusal {
        let current = try link.run("SELECT incarnation FROM node WHERE id = \(node)").rows.first
            .map { try PostgresRowReader($0)["incarnation", as: Int64.self] }
        return .superseded(node: node, incarnation: current ?? incarnation)
    }

    /// SQL for the milliseconds since the Unix epoch of a `timestamptz` expression (or the
    /// milliseconds of an `interval`).
    static func epochMilliseconds(of expression: String) -> String {
        "floor(extract(epoch FROM \(expression)) * 1000)::bigint"
    }

    /// The cluster as the caller's transaction sees it, with the server's `now()`.
    static func clusterView(_ link: PostgresConnectionLink) throws -> ClusterView {
        guard let top = try link.run("""
            SELECT (SELECT partitions FROM cluster WHERE id = 1) AS partitions,
                (SELECT fingerprint FROM cluster WHERE id = 1) AS fingerprint,
                (SELECT pos FROM log_head WHERE id = 1) AS head, \(unescaped: epochMilliseconds(of: "now()")) AS now
            """).rows.first
        else { throw PostgresStoreError(operation: "read the cluster", message: "the server returned no row") }
        let reader = PostgresRowReader(top)
        let nodes = try link.run("""
            SELECT id, instance, incarnation, \(unescaped: epochMilliseconds(of: "started_at")) AS started,
                \(unescaped: epochMilliseconds(of: "heartbeat_at")) AS heartbeat,
                left_at IS NULL AND heartbeat_at > now() - lease_ms * interval '1 millisecond' AS live,
                fingerprint, drained, position, next_deadline
            FROM node ORDER BY id
            """).rows.map { found in
            let row = PostgresRowReader(found)
            return NodeRecord(
                id: try row["id"], instance: try row["instance"], incarnation: try row["incarnation"],
                startedAt: Timestamp(milliseconds: try row["started"]), heartbeatAt: Timestamp(milliseconds: try row["heartbeat"]),
                isLive: try row["live"], fingerprint: try row["fingerprint"], drained: try row["drained"],
                position: try row["position"],
                nextDeadline: try row["next_deadline", as: Int64?.self].map(Timestamp.init(milliseconds:)))
        }
        let leases = try link.run("""
            SELECT \(unescaped: leaseColumns) FROM partition_lease ORDER BY partition
            """).rows.map(partitionLease)
        return ClusterView(
            partitions: try reader["partitions", as: Int?.self] ?? 0, fingerprint: try reader["fingerprint"],
            nodes: nodes, leases: leases,
            head: try reader["head", as: Int64?.self] ?? 0, serverTime: Timestamp(milliseconds: try reader["now"]))
    }

    /// A lease row's columns, for ``partitionLease(_:)``. A lease never owned or released has
    /// no expiry and counts as expired: nothing holds it.
    static let leaseColumns = """
        partition, owner, owner_incarnation, epoch, \(epochMilliseconds(of: "expires_at")) AS expires,
        expires_at IS NULL OR expires_at <= now() AS expired, applied_pos, clock
        """

    static func partitionLease(_ found: PostgresRow) throws -> PartitionLease {
        let row = PostgresRowReader(found)
        return PartitionLease(
            partition: try row["partition"], owner: try row["owner"], ownerIncarnation: try row["owner_incarnation"],
            epoch: try row["epoch"], expiresAt: try row["expires", as: Int64?.self].map(Timestamp.init(milliseconds:)),
            isExpired: try row["expired"], appliedPosition: try row["applied_pos"],
            clock: try row["clock", as: Int64?.self].map(Timestamp.init(milliseconds:)))
    }
}
