import Synchronization

/// Whether the server answered the writer's last attempt, with one warning line when it stops
/// answering and one when it is back (not one per retry): what ``PostgresStore/isAvailable()``
/// answers from while a commit waits for the server.
final class PostgresReachability: Sendable {
    private let lost = Mutex(false)
    private let location: String
    private let warn: @Sendable (String) -> Void

    init(location: String, warn: @escaping @Sendable (String) -> Void) {
        self.location = location
        self.warn = warn
    }

    var isReachable: Bool { !lost.withLock { $0 } }

    /// The writer lost its connection or could not connect; warns the first time.
    func failed(_ error: any Error) {
        let first = lost.withLock { lost in
            defer { lost = true }
            return !lost
        }
        if first { warn("PostgreSQL unreachable: \(location): \(PostgresProblem.describe(error)); retrying") }
    }

    /// The writer connected; says so when it had not.
    func reached() {
        let was = lost.withLock { lost in
            defer { lost = false }
            return lost
        }
        if was { warn("PostgreSQL reachable again: \(location)") }
    }
}
