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
        try connection().answer(to: query, logger: logger)
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

    /// Waits on this thread for `query`'s answer, and stops waiting when the connection has
    /// closed without one (``PostgresUnansweredQuery``, a connection loss: a commit retries).
    ///
    /// postgres-nio can leave a query without an answer for ever when the server ends the
    /// session as the query is sent (`pg_ctl restart -m fast`): its future never completes
    /// although the channel is closed, and a plain `wait()` would hold the writer, and the
    /// daemon's loop behind it, without a word (found by PostgresRestartTests).
    func answer(to query: PostgresQuery, logger: Logger) throws -> PostgresQueryResult {
        let future = result(of: query, logger: logger)
        let settled = DispatchSemaphore(value: 0)
        future.whenComplete { _ in settled.signal() }
        while settled.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
            // An answer may come with the close: one more look before giving up.
            if isClosed, settled.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
                throw PostgresUnansweredQuery()
            }
        }
        return try future.wait()
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

/// The connection closed while a query waited for its answer: the server went away (see
/// ``PostgresConnection/answer(to:logger:)``).
struct PostgresUnansweredQuery: Error {}
