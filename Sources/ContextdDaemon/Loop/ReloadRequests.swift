import ContextdEvents
import Synchronization

/// Asks for a rule reload: SIGHUP now, an edit under the rules directory once the editor has
/// been quiet for the debounce time (an editor's save is often several writes and a rename).
final class ReloadRequests: Sendable {
    private struct State {
        var now = false
        var lastChange: Timestamp?
    }

    private let state = Mutex(State())
    /// `state.now`, readable without the lock: the loop asks after every event.
    private let immediate = Atomic(false)

    func requestNow() {
        state.withLock { $0.now = true }
        immediate.store(true, ordering: .releasing)
    }

    /// Whether a reload was asked for now (SIGHUP); cheap enough to ask between two events.
    var isRequestedNow: Bool { immediate.load(ordering: .acquiring) }

    func noteChange(at time: Timestamp) { state.withLock { $0.lastChange = time } }

    /// Why to reload now ("SIGHUP", "rules changed"), consuming the request; nil when not yet.
    func take(at time: Timestamp, debounce: TimeSpan) -> String? {
        state.withLock { state in
            if state.now {
                state.now = false
                immediate.store(false, ordering: .releasing)
                state.lastChange = nil
                return "SIGHUP"
            }
            if let last = state.lastChange, time - last >= debounce {
                state.lastChange = nil
                return "rules changed"
            }
            return nil
        }
    }

    /// When a pending edit will have been quiet long enough.
    func deadline(debounce: TimeSpan) -> Timestamp? { state.withLock { $0.lastChange.map { $0 + debounce } } }
}

/// Set once, from the shutdown handler; read by the loop between slices.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
