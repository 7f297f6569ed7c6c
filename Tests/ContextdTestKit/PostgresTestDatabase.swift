import Foundation
public import Logging
public import PostgresNIO

/// A database of its own on the test server (``PostgresTestServer/url``) for one test case:
/// created empty, dropped at the end, so that test cases run in parallel without seeing each
/// other's rows, and a reopen finds what the test committed. One for every test target: the
/// conformance suite's PostgreSQL factory, the PostgreSQL store's own tests and the daemon's
/// process tests all build on `PostgresTestDatabase.create()`, ``url`` and ``drop()``.
public struct PostgresTestDatabase: Sendable {
    /// Its name on the server (`contextd_test_` and random hex).
    public let name: String
    /// The server's URL with this database in its path: what the store under test opens.
    public let url: String
    /// The server it is on, and who logs in.
    public let server: Server

    /// Where the server is and who logs in, read from a `postgresql://` URL.
    public struct Server: Sendable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String?
        /// The database the URL names: where `CREATE DATABASE` is run from.
        public var database: String

        public init(url: String) throws {
            guard let parts = URLComponents(string: url), ["postgresql", "postgres"].contains(parts.scheme ?? ""),
                let host = parts.host, let user = parts.user, parts.path.count > 1
            else {
                throw PostgresTestDatabaseError(
                    message: "CONTEXTD_TEST_POSTGRES_URL is not postgresql://USER[:PASSWORD]@HOST[:PORT]/DB: \(url)")
            }
            self.host = host
            port = parts.port ?? 5432
            self.user = user.removingPercentEncoding ?? user
            password = parts.password.map { $0.removingPercentEncoding ?? $0 }
            database = String(parts.path.dropFirst())
        }

        /// The same server and user, `database` in the path.
        public func url(of database: String) -> String {
            var parts = URLComponents()
            parts.scheme = "postgresql"
            parts.host = host
            parts.port = port
            parts.user = user
            parts.password = password
            parts.path = "/" + database
            return parts.string ?? ""
        }

        /// How to connect to `database` (plain TCP: the test server's TLS is tested on its own).
        public func connectionConfiguration(database: String) -> PostgresConnection.Configuration {
            PostgresConnection.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: .disable)
        }

        /// A pool's configuration for `database`, through `host`:`port` when given (a proxy).
        public func clientConfiguration(database: String, host: String? = nil, port: Int? = nil) -> PostgresClient.Configuration {
            PostgresClient.Configuration(
                host: host ?? self.host, port: port ?? self.port, username: user, password: password,
                database: database, tls: .disable)
        }

        /// Runs `body` on a connection to `database` (the URL's own when nil), closed afterwards.
        public func withConnection<T: Sendable>(
            to database: String? = nil, _ body: (PostgresConnection, Logger) async throws -> T
        ) async throws -> T {
            let logger = Logger(label: "contextd.tests.postgres")
            let connection = try await PostgresConnection.connect(
                configuration: connectionConfiguration(database: database ?? self.database), id: 1, logger: logger)
            do {
                let result = try await body(connection, logger)
                try await connection.close()
                return result
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    /// Creates an empty database on the server ``PostgresTestServer/url`` names.
    public static func create() async throws -> PostgresTestDatabase {
        guard let url = PostgresTestServer.url else {
            throw PostgresTestDatabaseError(message: "CONTEXTD_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
        }
        let server = try Server(url: url)
        let name = "contextd_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        _ = try await server.withConnection { connection, logger in
            // A name cannot be a bound parameter; this one is made of hex digits and `_`.
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        return PostgresTestDatabase(name: name, url: server.url(of: name), server: server)
    }

    /// Drops the database, ending the connections a store under test left open.
    public func drop() async throws {
        _ = try await server.withConnection { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    /// Runs `body` on a connection to this database, closed afterwards (what a test that
    /// checks the database itself, not through a store, uses).
    public func withConnection<T: Sendable>(_ body: (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await server.withConnection(to: name, body)
    }

    /// Runs `sql` on this database and returns the first column of each row as text (what a
    /// test that looks at the rows themselves asserts on; cast to `text` in the query).
    public func column(_ sql: String) async throws -> [String?] {
        try await withConnection { connection, logger in
            var values: [String?] = []
            for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(String?.self) {
                values.append(value)
            }
            return values
        }
    }

    /// Whether the server still has a database by this name.
    public func exists() async throws -> Bool {
        try await server.withConnection { connection, logger in
            let rows = try await connection.query("SELECT count(*) FROM pg_database WHERE datname = \(name)", logger: logger)
            var found = false
            for try await count in rows.decode(Int.self) { found = count > 0 }
            return found
        }
    }
}

/// Why a database for a test could not be had, in words.
public struct PostgresTestDatabaseError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
