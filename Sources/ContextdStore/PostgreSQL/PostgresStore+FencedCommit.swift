import ContextdEngine
import ContextdEvents
import PostgresNIO

/// The group commit of a node of several (``Commit/fence``): the batch is written only while
/// every partition it was computed for is still this node's, at the epoch it was computed
/// under (decision 0018 §2, "Fencing").
///
/// One transaction: the batch's rows (staged tasks marked `staged_by` this node), then the
/// node's row (its commit number and receipt, instead of `engine_meta`, on which several
/// nodes would queue), then the partitions' lease rows (their applied position and clock),
/// then COMMIT. A lease row whose owner, incarnation or epoch is no longer the fence's refuses
/// the whole transaction: ROLLBACK, ``FencedOut``, never retried. A lease that only expired
/// (no one took it) does not fence.
///
/// The node's and the lease rows are locked last, not first: held from the start they would
/// keep the node's heartbeat (which renews the same rows) waiting for the whole batch, and the
/// leases could run out under a long commit. Locked last, they are held for the end of the
/// transaction only. A takeover and the commit still take turns on the lease row: whichever
/// locks it second waits for the other and judges the row as the other left it.
///
/// In doubt (the connection lost once the COMMIT was sent), the retry reads the node's
/// `commit_seq` under its row lock, which waits for a COMMIT the server is still applying, as
/// the unfenced commit reads `engine_meta`'s: equal to the number the lost try wrote, the
/// commit is durable and its receipt is the row's.
extension PostgresStore {
    func fencedCommitOnce(_ batch: Commit, fence: CommitFence, on connection: PostgresConnection, attempted: inout Int64?)
        throws -> CommitReceipt
    {
        let run = { (query: PostgresQuery) throws -> PostgresQueryResult in
            try connection.answer(to: query, logger: self.logger)
        }
        let superseded = { () throws -> ClusterRefusal in
            let current = try run("SELECT incarnation FROM node WHERE id = \(fence.node)").rows.first
                .map { try PostgresRowReader($0)["incarnation", as: Int64.self] }
            return .superseded(node: fence.node, incarnation: current ?? fence.incarnation)
        }
        _ = try run("BEGIN")
        if let attempted {
            guard let found = try run("""
                SELECT commit_seq, not_staged FROM node WHERE id = \(fence.node) AND incarnation = \(fence.incarnation)
                FOR UPDATE
                """).rows.first
            else { throw try superseded() }
            let row = PostgresRowReader(found)
            if try row["commit_seq", as: Int64.self] == attempted {
                // In doubt, and durable: the COMMIT reached the server, its answer did not.
                _ = try run("ROLLBACK")
                return CommitReceipt(notStaged: Set(try row["not_staged", as: [String].self]))
            }
        }
        let receipt = try PostgresCommitWriter(run: run, stagedBy: fence.node).write(batch)
        guard let numbered = try run("""
            UPDATE node SET commit_seq = commit_seq + 1, not_staged = \(receipt.notStaged.sorted())
            WHERE id = \(fence.node) AND incarnation = \(fence.incarnation) RETURNING commit_seq
            """).rows.first
        else { throw try superseded() }
        let number: Int64 = try PostgresRowReader(numbered)["commit_seq"]
        let kept = try run("""
            UPDATE partition_lease AS lease SET applied_pos = \(fence.position),
                clock = coalesce(\(fence.clock?.milliseconds)::bigint, lease.clock),
                next_timer = \(fence.nextTimer?.milliseconds)::bigint
            FROM unnest(\(fence.leases.map { Int64($0.partition) })::bigint[], \(fence.leases.map(\.epoch))::bigint[])
                AS fence (partition, epoch)
            WHERE lease.partition = fence.partition AND lease.epoch = fence.epoch
                AND lease.owner = \(fence.node) AND lease.owner_incarnation = \(fence.incarnation)
            RETURNING lease.partition
            """).rows.map { try PostgresRowReader($0)["partition", as: Int.self] }
        let lost = Set(fence.leases.map(\.partition)).subtracting(kept)
        guard lost.isEmpty else { throw FencedOut(partitions: lost.sorted()) }
        attempted = number
        // Nodes waiting for this partition's position (decision 0018 §3) look again at once.
        if !fence.leases.isEmpty { _ = try run("NOTIFY \(unescaped: Self.logChannel)") }
        _ = try run("COMMIT")
        return receipt
    }
}
