import ContextdStore
import ContextdTestKit
import Foundation
import PostgresNIO

/// A database of its own for one test: created with a random name on the server of
/// `CONTEXTD_TEST_POSTGRES_URL`, dropped at the end. The URL is read here by a small parse of
/// its own (`postgresql://USER[:PASSWORD]@HOST[:PORT]/DB`); the daemon's parser is
/// `PostgresAddress`.
struct PostgresTestDatabase {
    let name: String
    let server: Server

    struct Server {
        var host: String
        var port: Int
        var username: String
        var password: String?
        var database: String

        /// Reads the test server's URL; throws when it is not one.
        static func fromEnvironment() throws -> Server {
            guard let url = PostgresTestServer.url else {
                throw PostgresStoreError(operation: "test", message: "CONTEXTD_TEST_POSTGRES_URL is not set")
            }
            guard let components = URLComponents(string: url), let host = components.host,
                ["postgresql", "postgres"].contains(components.scheme ?? "")
            else { throw PostgresStoreError(operation: "test", message: "not a postgresql:// URL: \(url)") }
            return Server(
                host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
                password: components.password, database: String(components.path.dropFirst()))
        }

        func client(database: String, host: String? = nil, port: Int? = nil) -> PostgresClient.Configuration {
            PostgresClient.Configuration(
                host: host ?? self.host, port: port ?? self.port, username: username, password: password,
                database: database, tls: .disable)
        }

        func connection(database: String) -> PostgresConnection.Configuration {
            PostgresConnection.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: .disable)
        }

        /// Runs `sql` on the server's own database (CREATE/DROP DATABASE).
        func administer(_ sql: String) throws {
            let connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: connection(database: database), id: 0,
                logger: Logger(label: "test")
            ).wait()
            defer { _ = try? connection.close().wait() }
            _ = try connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test")).wait()
        }
    }

    /// Creates the database.
    init() throws {
        server = try Server.fromEnvironment()
        name = "contextd_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        try server.administer("CREATE DATABASE \(name)")
    }

    /// A store on it, migrated.
    func store(options: PostgresStore.Options = PostgresStore.Options()) throws -> PostgresStore {
        let store = try PostgresStore(configuration: server.client(database: name), options: options)
        try store.migrate()
        return store
    }

    /// A store that reaches the server through `port` on this host (a proxy), not migrated.
    func store(throughPort port: Int, options: PostgresStore.Options = PostgresStore.Options()) throws -> PostgresStore {
        try PostgresStore(configuration: server.client(database: name, host: "127.0.0.1", port: port), options: options)
    }

    /// Runs `sql` on this database and returns the first column of each row as text.
    func column(_ sql: String) throws -> [String?] {
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: server.connection(database: name), id: 0,
            logger: Logger(label: "test")
        ).wait()
        defer { _ = try? connection.close().wait() }
        return try connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test")).wait().rows.map {
            try $0.makeRandomAccess()[0].decode(String?.self)
        }
    }

    /// Drops the database (its connections first).
    func drop(_ stores: PostgresStore...) {
        for store in stores { store.close() }
        try? server.administer("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}
