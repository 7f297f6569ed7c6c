import ContextdStore
import ContextdTestKit
import Foundation
import PostgresNIO

/// A PostgreSQL database of its own for one ``DaemonSandbox``: created with a random name on a
/// server (by default the one of `CONTEXTD_TEST_POSTGRES_URL`), dropped by ``drop()``.
///
/// The daemon is given ``address`` (the URL without its password) as `store:` and the password
/// in a file, as an operator would configure it; the test's own statements go through
/// postgres-nio with the server's URL as given.
final class SandboxDatabase: Sendable {
    /// The server's URL as given, password included (for the test's own connections).
    let server: PostgresAddress
    /// This database's address, without the password: what the daemon's `store:` says.
    let address: PostgresAddress
    let name: String
    /// Whether this sandbox created the database (and so drops it).
    private let created: Bool

    /// Creates the database on the server of `url`. `sslmode=disable` unless the URL gives
    /// parameters of its own (then they are kept).
    init(serverURL url: String? = PostgresTestServer.url) throws {
        guard let url else {
            throw PostgresAddressError("CONTEXTD_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
        }
        var server = try PostgresAddress(parsing: url)
        if !url.contains("?") { server.sslMode = .disable }
        self.server = server
        name = "contextd_p_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        var address = server
        address.password = nil
        address.database = name
        self.address = address
        created = true
        try execute("CREATE DATABASE \(name)", database: server.database)
    }

    /// A database that exists already, the one `url` names, used as `url`'s user (e.g. a
    /// daemon's role that may not create anything); never dropped by the sandbox.
    init(existing url: String) throws {
        server = try PostgresAddress(parsing: url)
        var address = server
        address.password = nil
        self.address = address
        name = server.database
        created = false
    }

    /// The password the daemon is given in `store_password_file` (nil for trust authentication).
    var password: String? { server.password?.revealed }

    /// What the daemon's `store()` opens: this database as the daemon sees it.
    var settings: PostgresSettings {
        get throws { try PostgresSettings(address: address, passwordFromFile: server.password) }
    }

    /// Runs `sql` (statements separated by `;` are sent one by one) on `database` (this one by
    /// default) as the server URL's user, or as `user` with `password`; returns the first
    /// column of the last statement's rows as text.
    @discardableResult
    func execute(_ sql: String, database: String? = nil, user: String? = nil, password: String? = nil) throws
        -> [String?]
    {
        var address = server
        address.database = database ?? name
        if let user {
            address.user = user
            address.password = password.map(PostgresPassword.init)
        }
        var logger = Logger(label: "contextd.test")
        logger.logLevel = .critical
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(),
            configuration: address.connectionConfiguration(password: address.password), id: 0, logger: logger
        ).wait()
        defer { _ = try? connection.close().wait() }
        var rows: [String?] = []
        for statement in sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        where !statement.isEmpty {
            rows = try connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).wait().rows.map {
                let cell = $0.makeRandomAccess()[0]
                return try cell.decode(String?.self)
            }
        }
        return rows
    }

    /// Drops the database, ending whatever connections are left (a daemon killed mid-run, a
    /// store the test forgot to close).
    func drop() {
        guard created else { return }
        _ = try? execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", database: server.database)
    }
}
