import Dispatch
import GRDB
import Synchronization

/// A commit handed to the store's writer, in flight while its caller goes on.
///
/// The daemon's loop applies the next group of events on one core while the writer encodes
/// and writes this one on the other (decision 0009). Whatever the loop asks of the writer's
/// connection afterwards (reading back a context it let go of, the next commit) runs after
/// this commit, because the writer's queue is serial: a read can never see the store from
/// before it.
public final class PendingCommit: Sendable {
    private let outcome = Mutex<Result<Void, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    fileprivate func finish(_ result: Result<Void, any Error>) {
        outcome.withLock { $0 = result }
        done.signal()
    }

    /// Waits until the commit is on disk, and throws what stopped it. Call it once.
    public func wait() throws {
        done.wait()
        try outcome.withLock { $0 }!.get()
    }
}

extension SQLiteStore {
    /// Starts committing `batch` on the writer's queue and returns at once.
    public func startCommit(_ batch: Commit) -> PendingCommit {
        let pending = PendingCommit()
        pool.asyncWrite({ db in try StoreWriter(db: db).write(batch) }, completion: { _, result in pending.finish(result) })
        return pending
    }
}
