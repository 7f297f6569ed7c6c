import ContextdTestKit
import Foundation
import Logging
import PostgresNIO

/// A database of its own on the test server (``PostgresTestServer/url``) for one test case:
/// created empty, dropped at the end, so that test cases run in parallel without seeing each
/// other's rows, and a reopen finds what the test committed. What the PostgreSQL factory of
/// ``StoreBackend`` builds on: `PostgresTestDatabase.create()`, the store opened on ``url``,
/// and ``drop()`` in its cleanup.
struct PostgresTestDatabase: Sendable {
    /// Its name on the server (`contextd_test_` and random hex).
    let name: String
    /// The server's URL with this database in its path: what the store under test opens.
    let url: String
    private let server: Server

    /// Where the server is and who logs in, read from a `postgresql://` URL.
    struct Server: Sendable {
        var host: String
        var port: Int
        var user: String
        var password: String?
        /// The database the URL names: where `CREATE DATABASE` is run from.
        var database: String

        init(url: String) throws {
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
        func url(of database: String) -> String {
            var parts = URLComponents()
            parts.scheme = "postgresql"
            parts.host = host
            parts.port = port
            parts.user = user
            parts.password = password
            parts.path = "/" + database
            return parts.string ?? ""
        }

        /// Runs `body` on a connection to `database` (the URL's own when nil), closed afterwards.
        func withConnection<T: Sendable>(
            to database: String? = nil, _ body: (PostgresConnection, Logger) async throws -> T
        ) async throws -> T {
            let logger = Logger(label: "contextd.tests.postgres")
            let configuration = PostgresConnection.Configuration(
                host: host, port: port, username: user, password: password, database: database ?? self.database,
                tls: .disable)
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
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
    static func create() async throws -> PostgresTestDatabase {
        guard let url = PostgresTestServer.url else {
            throw PostgresTestDatabaseError(message: "CONTEXTD_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
        }
        let server = try Server(url: url)
        let name = "contextd_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try await server.withConnection { connection, logger in
            // A name cannot be a bound parameter; this one is made of hex digits and `_`.
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        return PostgresTestDatabase(name: name, url: server.url(of: name), server: server)
    }

    /// Drops the database, ending the connections a store under test left open.
    func drop() async throws {
        try await server.withConnection { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    /// Runs `body` on a connection to this database, closed afterwards (what a test that
    /// checks the database itself, not through a store, uses).
    func withConnection<T: Sendable>(_ body: (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await server.withConnection(to: name, body)
    }

    /// Whether the server still has a database by this name.
    func exists() async throws -> Bool {
        try await server.withConnection { connection, logger in
            let rows = try await connection.query("SELECT count(*) FROM pg_database WHERE datname = \(name)", logger: logger)
            var found = false
            for try await count in rows.decode(Int.self) { found = count > 0 }
            return found
        }
    }
}

/// Why a database for a test could not be had, in words.
struct PostgresTestDatabaseError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
