import ContextdEngine
import ContextdEvents
import Dispatch
import Glibc
import PostgresNIO
import Synchronization

/// The group commit: one transaction per commit, numbered.
///
/// `engine_meta.commit_seq` holds the number of the last commit, and each commit writes its
/// own number (the previous plus one) in its transaction, with its receipt. When the
/// connection is lost during a commit, the writer connects again and reads the number (under
/// the row's lock, so a COMMIT the server is still applying is waited for): equal to this
/// commit's, the COMMIT reached the server and only its answer was lost (the in-doubt case),
/// so it is not applied again; otherwise the transaction runs again. While the server cannot
/// be reached the commit keeps trying, waiting longer each time, and the loop waits in
/// ``PendingCommit/wait()``. Any other failure (a constraint, a statement timeout) fails the
/// commit, as SQLite's would. A node of several commits with a fence instead
/// (``fencedCommitOnce(_:fence:on:attempted:)``), numbered on its `node` row.
extension PostgresStore {
    public func startCommit(_ batch: Commit, after barrier: CommitBarrier?) -> PendingCommit {
        let pending = PendingCommit()
        writerQueue.async { [self] in
            let result = Result { () throws -> CommitReceipt in
                try barrier?()
                return try commitRetrying(batch)
            }
            switch result {
            case .success: activity.committed()
            case .failure(let error): activity.failed(error)
            }
            pending.finish(result)
        }
        return pending
    }

    /// Runs the commit's transaction until it is durable once, or fails for another reason
    /// than a lost connection. On the writer's queue.
    private func commitRetrying(_ batch: Commit) throws -> CommitReceipt {
        var attempted: Int64?
        var delay = options.firstRetryDelay
        while true {
            do {
                let attempt = reachability.attempting()
                let connection = try writer.connection()
                let receipt = if let fence = batch.fence {
                    try fencedCommitOnce(batch, fence: fence, on: connection, attempted: &attempted)
                } else {
                    try commitOnce(batch, on: connection, attempted: &attempted)
                }
                reachability.reached(attempt)
                return receipt
            } catch where PostgresProblem.isConnectionLoss(error) {
                writer.drop()
                reachability.failed(error)
                guard !closing.load(ordering: .relaxed) else {
                    throw PostgresStoreError(operation: "commit", message: """
                        the store was closed while PostgreSQL was unreachable (\(PostgresProblem.describe(error))); \
                        the batch is not committed
                        """)
                }
                options.whileWaiting()
                waitBeforeRetrying(delay)
                delay = min(delay * 2, options.longestRetryDelay)
            } catch {
                _ = try? writer.run("ROLLBACK")
                throw PostgresProblem.wrap(error, "commit")
            }
        }
    }

    /// One try: BEGIN, read the number under lock, write, COMMIT. `attempted` is the number an
    /// earlier try of this commit wrote, when one got that far.
    private func commitOnce(_ batch: Commit, on connection: PostgresConnection, attempted: inout Int64?) throws
        -> CommitReceipt
    {
        let run = { (query: PostgresQuery) throws -> PostgresQueryResult in
            try connection.answer(to: query, logger: self.logger)
        }
        _ = try run("BEGIN")
        guard let meta = try run("SELECT commit_seq, not_staged FROM engine_meta WHERE id = 1 FOR UPDATE").rows.first
        else { throw PostgresStoreError(operation: "commit", message: "engine_meta has no row; run `contextd migrate`") }
        let row = PostgresRowReader(meta)
        let current: Int64 = try row["commit_seq"]
        if let attempted, current == attempted {
            // In doubt, and durable: the COMMIT reached the server, its answer did not.
            _ = try run("ROLLBACK")
            lastCommitSeq.withLock { $0 = current }
            return CommitReceipt(notStaged: Set(try row["not_staged", as: [String].self]))
        }
        if let known = lastCommitSeq.withLock({ $0 }), known != current {
            throw PostgresStoreError(operation: "commit", message: """
                commit_seq is \(current) where this process last wrote \(known): another contextd commits to this \
                database; stop one of them
                """)
        }
        let number = current + 1
        attempted = number
        let receipt = try PostgresCommitWriter(run: run).write(batch)
        _ = try run("""
            UPDATE engine_meta SET commit_seq = \(number), not_staged = \(receipt.notStaged.sorted()),
            clock = coalesce(\(batch.changes.clock?.milliseconds)::bigint, clock) WHERE id = 1
            """)
        _ = try run("COMMIT")
        lastCommitSeq.withLock { $0 = number }
        return receipt
    }
}

/// Blocks the calling thread (the writer's queue or the loop's, never an HTTP request's) for
/// `duration`.
func waitBeforeRetrying(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    var time = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    nanosleep(&time, nil)
}
