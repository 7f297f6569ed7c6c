import NIOCore
import Synchronization

/// The API's open connections, shared by every event loop: which are serving a request and
/// which are idle since when, to keep their number under the cap (``ConnectionLimits``).
///
/// At the cap, a new connection closes the one idle the longest rather than being turned
/// away, so an attacker's idle connections cannot keep `/healthz` or a CRM out; a connection
/// serving a request (a long poll) is never closed for room.
public final class ConnectionTable: Sendable {
    /// Connections closed for room or refused, and closed before sending their headers.
    public struct Counts: Sendable, Equatable {
        public var open = 0
        public var evicted = 0
        public var refused = 0
        public var headerTimeouts = 0

        public init() {}
    }

    private struct Entry {
        var channel: any Channel
        var requestsInProgress = 0
        /// When it last had no request in progress (its opening, or its last response's end).
        var idleSince: NIODeadline
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var counts = Counts()
    }

    public let limit: Int
    private let state = Mutex(State())

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public var counts: Counts {
        state.withLock { state in
            var counts = state.counts
            counts.open = state.entries.count
            return counts
        }
    }

    /// Takes a new connection in; false when it must be closed (the cap is reached and every
    /// connection is serving a request). Closes the longest idle one when that makes room.
    func admit(_ channel: any Channel, now: NIODeadline) -> Bool {
        let id = ObjectIdentifier(channel)
        let (admitted, evicted) = state.withLock { state -> (Bool, (any Channel)?) in
            var evicted: (any Channel)?
            if state.entries.count >= limit {
                // One pass over at most `limit` entries, only when the cap is reached.
                var oldest: (key: ObjectIdentifier, since: NIODeadline)?
                for (key, entry) in state.entries where entry.requestsInProgress == 0 {
                    if oldest.map({ entry.idleSince < $0.since }) ?? true { oldest = (key, entry.idleSince) }
                }
                guard let oldest, let entry = state.entries.removeValue(forKey: oldest.key) else {
                    state.counts.refused += 1
                    return (false, nil)
                }
                state.counts.evicted += 1
                evicted = entry.channel
            }
            state.entries[id] = Entry(channel: channel, idleSince: now)
            return (true, evicted)
        }
        evicted?.close(promise: nil)
        return admitted
    }

    /// A request's headers arrived on `channel`.
    func requestStarted(on channel: any Channel) {
        state.withLock { $0.entries[ObjectIdentifier(channel)]?.requestsInProgress += 1 }
    }

    /// A response ended on `channel`.
    func requestEnded(on channel: any Channel, now: NIODeadline) {
        state.withLock { state in
            guard var entry = state.entries[ObjectIdentifier(channel)] else { return }
            entry.requestsInProgress = max(0, entry.requestsInProgress - 1)
            if entry.requestsInProgress == 0 { entry.idleSince = now }
            state.entries[ObjectIdentifier(channel)] = entry
        }
    }

    func headerTimedOut() { state.withLock { $0.counts.headerTimeouts += 1 } }

    func remove(_ channel: any Channel) {
        _ = state.withLock { $0.entries.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}
