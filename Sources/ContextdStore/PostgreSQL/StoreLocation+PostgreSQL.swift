import ContextdEvents
import Logging
import PostgresNIO

/// How ``StoreLocation/postgresql(_:)`` opens: kept here so that the opener names no
/// PostgreSQL type.
extension StoreLocation {
    /// The daemon's store: migrated before use, so that a wrong password, a missing database or
    /// a certificate that does not verify stops the start with the reason
    /// (``PostgresConnectionFailure``) instead of the first commit.
    static func openPostgreSQL(
        _ settings: PostgresSettings, warn: @escaping @Sendable (String) -> Void, waiting: @escaping @Sendable () -> Void
    ) throws -> any DaemonStore {
        try checkConnection(settings)
        var options = options(for: settings)
        options.warn = warn
        options.whileWaiting = waiting
        let store = try makeStore(settings, options: options)
        do {
            try store.migrate()
        } catch {
            store.close()
            throw error
        }
        return store
    }

    /// `contextd explain`'s store: no migration, and a server that cannot be reached is an
    /// error at once rather than a wait.
    static func openPostgreSQL(readingFrom settings: PostgresSettings) throws -> any DaemonStore {
        var options = options(for: settings)
        options.waitsForServer = false
        options.maximumConnections = 1
        return try makeStore(settings, options: options)
    }

    static func migratePostgreSQL(_ settings: PostgresSettings) throws -> [String] {
        try checkConnection(settings)
        var options = options(for: settings)
        options.waitsForServer = false
        options.maximumConnections = 1
        let store = try makeStore(settings, options: options)
        defer { store.close() }
        return try store.migrate()
    }

    /// One connection made and closed, to tell why the server cannot be used, in the words of
    /// ``PostgresConnectionFailure``: ``StoreUnreachable`` when it does not answer (down,
    /// restarting, a wrong port), the failure itself when it answers no.
    private static func checkConnection(_ settings: PostgresSettings) throws {
        let configuration = try settings.address.connectionConfiguration(password: settings.password)
        let logger = Logger(label: "contextd.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        do {
            let connection = try PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration, id: 0, logger: logger
            ).wait()
            try? connection.close().wait()
        } catch {
            let failure = PostgresConnectionFailure(error, connectingTo: settings.address)
            if PostgresProblem.isConnectionLoss(error) && !failure.isAnswerOfTheServer {
                throw StoreUnreachable("cannot reach PostgreSQL at \(settings.address): "
                    + "\(PostgresProblem.describe(error)); is the server running and the host and port right?")
            }
            throw failure
        }
    }

    private static func options(for settings: PostgresSettings) -> PostgresStore.Options {
        var options = PostgresStore.Options()
        options.maximumConnections = settings.poolSize
        options.statementTimeout = .milliseconds(settings.statementTimeout.milliseconds)
        options.idleInTransactionTimeout = settings.idleInTransactionTimeout.map { .milliseconds($0.milliseconds) }
        options.location = "\(settings.address)"
        return options
    }

    /// The address's configurations as they are (the store adds the statement timeout and
    /// `synchronous_commit`), so that TLS is configured once, by ``PostgresAddress``.
    private static func makeStore(_ settings: PostgresSettings, options: PostgresStore.Options) throws -> PostgresStore {
        try PostgresStore(
            configuration: settings.address.clientConfiguration(password: settings.password),
            connection: settings.address.connectionConfiguration(password: settings.password), options: options)
    }
}
