import Dispatch
import Synchronization

/// A commit handed to the store, in flight while its caller goes on.
///
/// The daemon's loop applies the next group of events on one core while the store encodes
/// and writes this one (decision 0009). A backend runs what is asked of it afterwards (the next
/// commit, an HTTP ack that touches the same rows) after this commit, and reads contexts back
/// without waiting for it (``EngineStateStore/storedContext(of:)``).
public final class PendingCommit: Sendable {
    /// The result, and how long the backend took to reach it.
    private let outcome = Mutex<(result: Result<CommitReceipt, any Error>, took: Duration)?>(nil)
    private let done = DispatchSemaphore(value: 0)
    /// When the commit was handed over (the monotonic clock), for ``duration``.
    private let handedOver = ContinuousClock.now

    public init() {}

    /// Called once by the backend when the commit is durable or has failed.
    public func finish(_ result: Result<CommitReceipt, any Error>) {
        let took = handedOver.duration(to: .now)
        outcome.withLock { $0 = (result, took) }
        done.signal()
    }

    /// Waits until the commit is durable, and throws what stopped it. Call it once.
    public func wait() throws -> CommitReceipt {
        done.wait()
        return try outcome.withLock { $0 }!.result.get()
    }

    /// From the hand-over to durable (or failed): the barrier, the backend's queue and its
    /// transaction, whatever the backend. Nil until ``finish(_:)``. The daemon's
    /// `contextd_commit_seconds` histogram, which compares backends (docs/performance.md).
    public var duration: Duration? { outcome.withLock { $0?.took } }
}

/// What must be durable before any row of a commit can be: the outbox files the commit stages,
/// the renames it marks, the spool files it forgets (decision 0010). A backend runs it before
/// the transaction can reach the disk, on the thread that writes the commit, once; when it
/// throws, nothing of the commit is written.
public typealias CommitBarrier = @Sendable () throws -> Void
