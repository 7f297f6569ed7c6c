import ContextdEvents
import Synchronization

/// Asks for a rule reload: SIGHUP now, an edit under the rules directory once the editor has
/// been quiet for the debounce time (an editor's save is often several writes and a rename).
final class ReloadRequests: Sendable {
    /// A SIGHUP not yet served; an atomic, since the loop asks after every event.
    private let now = Atomic(false)
    /// The last edit under the rules directory not yet served.
    private let lastChange = Mutex<Timestamp?>(nil)

    func requestNow() { now.store(true, ordering: .releasing) }

    /// Whether a reload was asked for now (SIGHUP); cheap enough to ask between two events.
    var isRequestedNow: Bool { now.load(ordering: .acquiring) }

    func noteChange(at time: Timestamp) { lastChange.withLock { $0 = time } }

    /// Why to reload now ("SIGHUP", "rules changed"), consuming the request; nil when not yet.
    /// A SIGHUP also serves a pending edit: the reload reads every file as it is.
    func take(at time: Timestamp, debounce: TimeSpan) -> String? {
        lastChange.withLock { last in
            if now.exchange(false, ordering: .acquiringAndReleasing) {
                last = nil
                return "SIGHUP"
            }
            if let changed = last, time - changed >= debounce {
                last = nil
                return "rules changed"
            }
            return nil
        }
    }

    /// When a pending edit will have been quiet long enough.
    func deadline(debounce: TimeSpan) -> Timestamp? { lastChange.withLock { $0.map { $0 + debounce } } }
}

/// Set once, from the shutdown handler; read by the loop between slices.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
