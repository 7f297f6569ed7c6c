public import ContextdEngine
public import ContextdEvents
import PostgresNIO

/// Partition leases: one `UPDATE` of one `partition_lease` row each, decided by the server's
/// `now()` (decision 0018 §2).
///
/// An acquire that finds the row locked (a fenced commit writing the partition's position, a
/// takeover by another node) waits for that transaction and judges the row as it left it: a
/// commit that got there first is seen by the new owner's snapshot, and a takeover that got
/// there first fences the commit (``PostgresStore/fencedCommitOnce(_:fence:on:attempted:)``).
extension PostgresStore {
    /// Takes the lease when it is free, expired, held by an earlier incarnation of this node, or
    /// already this membership's. The epoch moves at every change of hands; an acquire of a
    /// lease this membership still holds (a retry whose answer was lost, a second call) renews
    /// it at the same epoch, since no one else can have computed on the partition meanwhile. A
    /// membership that left or was superseded takes nothing.
    public func acquire(_ partition: Int, for membership: Membership) throws -> PartitionLease? {
        let node = membership.identity.node, incarnation = membership.incarnation
        return try onMembershipLink("acquire a partition") { link in
            try link.run("""
                UPDATE partition_lease SET owner = \(node), owner_incarnation = \(incarnation),
                    epoch = CASE WHEN owner = \(node) AND owner_incarnation = \(incarnation) THEN epoch ELSE epoch + 1 END,
                    expires_at = now() + \(membership.lease.milliseconds) * interval '1 millisecond'
                WHERE partition = \(partition)
                    AND (owner IS NULL OR expires_at <= now() OR (owner = \(node) AND owner_incarnation <= \(incarnation)))
                    AND EXISTS (SELECT 1 FROM node WHERE id = \(node) AND incarnation = \(incarnation) AND left_at IS NULL)
                RETURNING \(unescaped: Self.leaseColumns)
                """).rows.first.map(Self.partitionLease)
        }
    }

    /// Frees the lease when this membership holds it at `epoch`; keeps the epoch, the applied
    /// position and the clock for the next owner.
    public func release(_ partition: Int, epoch: Int64, for membership: Membership) throws {
        try onMembershipLink("release a partition") { link in
            try link.run("""
                UPDATE partition_lease SET owner = NULL, owner_incarnation = NULL, expires_at = NULL
                WHERE partition = \(partition) AND owner = \(membership.identity.node)
                    AND owner_incarnation = \(membership.incarnation) AND epoch = \(epoch)
                """)
        }
    }
}
