import Dispatch
import GRDB
import Synchronization

/// A commit handed to the store's writer, in flight while its caller goes on.
///
/// The daemon's loop applies the next group of events on one core while the writer encodes
/// and writes this one on the other (decision 0009). Whatever is asked of the writer's
/// connection afterwards (the next commit, an HTTP ack) runs after this commit, because the
/// writer's queue is serial. Contexts are read back on a reader connection, which does not
/// wait: ``SQLiteStore/storedContext(of:)`` says why that is exact.
public final class PendingCommit: Sendable {
    private let outcome = Mutex<Result<CommitReceipt, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    fileprivate func finish(_ result: Result<CommitReceipt, any Error>) {
        outcome.withLock { $0 = result }
        done.signal()
    }

    /// Waits until the commit is on disk, and throws what stopped it. Call it once.
    public func wait() throws -> CommitReceipt {
        done.wait()
        return try outcome.withLock { $0 }!.get()
    }
}

extension SQLiteStore {
    /// Starts committing `batch` on the writer's queue and returns at once.
    public func startCommit(_ batch: Commit) -> PendingCommit {
        let pending = PendingCommit()
        pool.asyncWrite({ db in try StoreWriter(db: db).write(batch) }, completion: { [activity] _, result in
            switch result {
            case .success: activity.committed()
            case .failure(let error): activity.failed(error)
            }
            pending.finish(result)
        })
        return pending
    }
}
