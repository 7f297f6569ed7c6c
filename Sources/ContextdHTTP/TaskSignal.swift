import Synchronization

/// Wakes long polls (`GET /v1/tasks?wait=S`) the moment a task may have become leasable: the
/// daemon queued due tasks, a lease was released, a dead task was requeued.
///
/// A poller reads ``generation`` before it looks for tasks and waits only if nothing rang
/// since, so no wake-up is lost between its look and its wait.
public final class TaskSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var closed = false
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Long polls waiting right now.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// True once the server is shutting down: polls return what they have instead of waiting.
    public var isClosed: Bool { state.withLock { $0.closed } }

    public func ring() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Ends every wait, now and later (graceful shutdown must not wait for long polls).
    public func close() {
        state.withLock { $0.closed = true }
        ring()
    }

    /// Returns after a ring since `generation` was read, after `timeout`, or at once when closed.
    public func wait(after generation: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForRing(after: generation) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForRing(after generation: UInt64) async {
        let id = state.withLock { state in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.closed || state.generation != generation || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
