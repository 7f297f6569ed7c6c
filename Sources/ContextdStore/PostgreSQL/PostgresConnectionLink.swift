import Dispatch
import PostgresNIO
import Synchronization

/// One connection of the store's own, used synchronously: the writer (commits and the loop's
/// reads, in order) or the reader (``PostgresStore/storedContext(of:)``, which must not wait
/// behind a commit).
///
/// Synchronous because its callers are: the daemon's loop runs on a thread of Swift's
/// cooperative pool, which has as few threads as cores. Each query is an `EventLoopFuture`
/// that the caller waits for; the future is completed by NIO's event loop, which never needs
/// the cooperative pool, so a wait can never deadlock behind the work it waits for (as a
/// `Task {}` waited for with a semaphore could). Connects on first use and again after a
/// loss, so a server that is down when the store opens is not an error until it is needed.
final class PostgresConnectionLink: Sendable {
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    private let current = Mutex<PostgresConnection?>(nil)

    init(configuration: PostgresConnection.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The open connection, connecting when there is none (or it was closed).
    func connection() throws -> PostgresConnection {
        try current.withLock { current in
            if let connection = current, !connection.isClosed { return connection }
            if let stale = current { _ = try? stale.close().wait() }
            current = nil
            let connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                id: Self.nextID(), logger: logger
            ).wait()
            current = connection
            return connection
        }
    }

    /// Runs `query` and waits for all its rows and its command tag.
    @discardableResult
    func run(_ query: PostgresQuery) throws -> PostgresQueryResult {
        try connection().result(of: query, logger: logger).wait()
    }

    /// Closes the connection (after a loss, so the next use connects again; or at the end),
    /// waiting for it to close unless `waiting` is false (a `deinit`, which may run anywhere).
    func drop(waiting: Bool = true) {
        let connection = current.withLock { current in
            let connection = current
            current = nil
            return connection
        }
        guard let connection else { return }
        let closed: EventLoopFuture<Void> = connection.close()
        if waiting { _ = try? closed.wait() }
    }

    private static let ids = Atomic<Int>(0)
    private static func nextID() -> Int { ids.add(1, ordering: .relaxed).newValue }
}

extension PostgresConnection {
    /// The `EventLoopFuture` form of a query, named apart from the `async` one so that an async
    /// caller can `get()` it (and read the command tag's row count) and a sync one `wait()`.
    func result(of query: PostgresQuery, logger: Logger) -> EventLoopFuture<PostgresQueryResult> {
        self.query(query, logger: logger)
    }

    /// Runs `body` between BEGIN and COMMIT; ROLLBACK when it throws.
    func transaction<T>(logger: Logger, _ body: () async throws -> T) async throws -> T {
        _ = try await result(of: "BEGIN", logger: logger).get()
        do {
            let value = try await body()
            _ = try await result(of: "COMMIT", logger: logger).get()
            return value
        } catch {
            _ = try? await result(of: "ROLLBACK", logger: logger).get()
            throw error
        }
    }

    /// Runs `query` and returns its rows.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await result(of: query, logger: logger).get().rows
    }

    /// Runs `query` and returns how many rows it changed.
    @discardableResult
    func changes(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        try await result(of: query, logger: logger).get().metadata.rows ?? 0
    }
}
