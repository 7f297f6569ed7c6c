import Synchronization

/// Whether the server answered the store's last attempt, with one warning line when it stops
/// answering and one when it is back (not one per retry): what ``PostgresStore/isAvailable()``
/// answers from while a commit waits for the server.
///
/// Only an attempt that *began* after the outage was declared and then succeeded proves the
/// server is back. The store's connections fail one by one: a query already answered on one
/// connection, or a cached connection not yet known to be closed, says nothing about a server
/// another connection found gone, and taking it as "back" would print a second
/// "unreachable … reachable again" pair for one outage.
final class PostgresReachability: Sendable {
    /// One attempt's start: the outage count it saw.
    struct Attempt: Sendable {
        fileprivate let outages: Int
    }

    private struct State {
        var lost = false
        /// Outages declared so far; an attempt remembers the count it started under.
        var outages = 0
    }

    private let state = Mutex(State())
    private let location: String
    private let warn: @Sendable (String) -> Void

    init(location: String, warn: @escaping @Sendable (String) -> Void) {
        self.location = location
        self.warn = warn
    }

    var isReachable: Bool { !state.withLock { $0.lost } }

    /// Called before an attempt on the server; pass the answer to ``reached(_:)`` when it succeeds.
    func attempting() -> Attempt {
        Attempt(outages: state.withLock { $0.outages })
    }

    /// An attempt lost its connection or could not connect; warns the first time.
    func failed(_ error: any Error) {
        let first = state.withLock { state in
            guard !state.lost else { return false }
            state.lost = true
            state.outages += 1
            return true
        }
        if first { warn("PostgreSQL unreachable: \(location): \(PostgresProblem.describe(error)); retrying") }
    }

    /// `attempt` succeeded; says the server is back when it was declared lost before the attempt
    /// began.
    func reached(_ attempt: Attempt) {
        let back = state.withLock { state in
            guard state.lost, attempt.outages == state.outages else { return false }
            state.lost = false
            return true
        }
        if back { warn("PostgreSQL reachable again: \(location)") }
    }
}
