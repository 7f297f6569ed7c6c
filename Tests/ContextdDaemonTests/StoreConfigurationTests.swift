import ContextdDaemon
import ContextdEvents
import ContextdRules
import ContextdStore
import Foundation
import Testing

/// The store keys of the configuration: `store` (a `postgresql://` URL), `store_password_file`,
/// `store_pool_size`, `store_statement_timeout`; located errors, and the password never quoted.
@Suite struct StoreConfigurationTests {
    /// A configuration file `text` in a fresh directory holding `files` (relative path → contents).
    struct Directory {
        let url: URL
        init(_ files: [String: String] = [:]) throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("contextd-store-\(UUID().uuidString)")
            for (path, contents) in files {
                let file = url.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try contents.write(to: file, atomically: true, encoding: .utf8)
            }
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        var path: String { url.path }
        func load(_ text: String) -> Result<DaemonConfiguration, ConfigurationErrors> {
            DaemonConfiguration.parse(text, path: url.appendingPathComponent("contextd.yaml").path)
        }
        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    @Test func withoutStoreTheDaemonKeepsSQLite() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let configuration = try directory.load("data_dir: ./state\n").get()
        #expect(configuration.postgres == nil)
        #expect(configuration.database == directory.path + "/state/contextd.sqlite")
    }

    @Test func readsTheURLAndAPasswordFileRelativeToTheConfiguration() throws {
        let directory = try Directory(["secrets/postgres": "correct horse\r\nsecond line is ignored\n"])
        defer { directory.remove() }
        let configuration = try directory.load("""
            store: postgresql://contextd@db.example.org/contextd?sslmode=verify-full
            store_password_file: secrets/postgres
            """).get()
        let settings = try #require(configuration.postgres)
        #expect(settings.address == PostgresAddress(user: "contextd", host: "db.example.org", database: "contextd",
            sslMode: .verifyFull))
        #expect(settings.password?.revealed == "correct horse")
        #expect(settings.poolSize == 10)
        #expect(settings.statementTimeout == .seconds(30))
    }

    @Test func readsThePoolSizeTimeoutAndARootCertificateRelativeToTheConfiguration() throws {
        let certificate = try String(contentsOfFile: Self.unrelatedCA, encoding: .utf8)
        let directory = try Directory(["tls/ca.pem": certificate])
        defer { directory.remove() }
        let configuration = try directory.load("""
            store: "postgresql://contextd:pw@[::1]:6432/contextd?sslmode=verify-full&sslrootcert=tls/ca.pem"
            store_pool_size: 4
            store_statement_timeout: 1500ms
            """).get()
        let settings = try #require(configuration.postgres)
        #expect(settings.address.host == "::1")
        #expect(settings.address.rootCertificate == directory.path + "/tls/ca.pem")
        #expect(settings.password?.revealed == "pw")
        #expect(settings.poolSize == 4)
        #expect(settings.statementTimeout == TimeSpan(milliseconds: 1500))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var position: String
        var message: String
        var testDescription: String { text }
        init(_ text: String, _ position: String, _ message: String) {
            self.text = text
            self.position = position
            self.message = message
        }
    }

    static let cases: [Case] = [
        Case("store: postgressql://contextd:hunter2@db/contextd\n", "1:8", "invalid PostgreSQL URL for 'store': unknown "
            + "scheme 'postgressql' — did you mean 'postgresql'? (a store URL starts with postgresql:// or postgres://)"),
        Case("log:\n  level: info\nstore: postgresql://contextd:hunter2@db/contextd?sslmode=verify_full\n", "3:8",
            "invalid PostgreSQL URL for 'store': unknown sslmode 'verify_full' — did you mean 'verify-full'? "
                + "(expected one of: disable, allow, prefer, require, verify-ca, verify-full)"),
        Case("store: sqlite:///var/lib/contextd.sqlite\n", "1:8", "invalid PostgreSQL URL for 'store': SQLite needs no "
            + "'store' URL: without 'store' the daemon keeps its SQLite database in 'data_dir'"),
        Case("store: [postgresql://db]\n", "1:8", "expected a URL such as postgresql://contextd@db.example.org:5432/"
            + "contextd?sslmode=verify-full for 'store', found a list"),
        Case("store: postgresql://contextd:hunter2@db/contextd\nstore_password_file: secrets/postgres\n", "2:22",
            "the password is given twice, in the URL and in 'store_password_file'; give it once"),
        Case("store: postgresql://contextd@db/contextd\nstore_password_file: secrets/none\n", "2:22",
            "cannot read the password file {dir}/secrets/none ('store_password_file'): No such file or directory"),
        Case("store: postgresql://contextd@db/contextd\nstore_password_file: secrets/empty\n", "2:22",
            "the password file {dir}/secrets/empty ('store_password_file') has an empty first line"),
        Case("store: postgresql://contextd@db/contextd\nstore_pool_size: 1\n", "2:18", "'store_pool_size' must be at "
            + "least 2, found 1: one connection serves the commit in flight and the reads must not wait for it"),
        Case("store: postgresql://contextd@db/contextd\nstore_statement_timeout: 30\n", "2:26",
            "for 'store_statement_timeout', found '30' (a number needs a unit: ms, s, m, h, d or w)"),
        Case("store_pool_size: 4\n", "1:18", "'store_pool_size' applies only to a PostgreSQL store; add 'store: "
            + "postgresql://USER@HOST/DB', or remove 'store_pool_size'"),
        Case("store_pasword_file: x\n", "1:1", "unknown field 'store_pasword_file' in the configuration — did you mean "
            + "'store_password_file'?"),
        Case("store: postgresql://contextd@db/contextd?sslmode=verify-full&sslrootcert=tls/missing.pem\n", "1:8",
            "invalid PostgreSQL URL for 'store': cannot read the root certificate {dir}/tls/missing.pem (sslrootcert): "
                + "No such file or directory"),
    ]

    @Test(arguments: cases) func reportsTheMistakeWhereItIsWithoutThePassword(_ bad: Case) throws {
        let directory = try Directory(["secrets/postgres": "hunter3\n", "secrets/empty": "\nhunter3\n"])
        defer { directory.remove() }
        let errors = try #require(failure(directory.load(bad.text)))
        #expect(errors.diagnostics.count == 1, "\(errors)")
        let diagnostic = try #require(errors.diagnostics.first)
        #expect("\(diagnostic.line):\(diagnostic.column)" == bad.position, "\(diagnostic)")
        #expect(diagnostic.message.contains(bad.message.replacingOccurrences(of: "{dir}", with: directory.path)),
            "\(diagnostic.message)")
        #expect(!errors.description.contains("hunter"), "\(errors)")
    }

    /// The line quoted under an error is masked however the error came about: here the error is
    /// the pool size's, on the line of a flow mapping that also holds the URL with its password.
    @Test func aQuotedLineNeverShowsAURLsPassword() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let errors = try #require(failure(directory.load(
            "{store: 'postgresql://contextd:hunter2@db/contextd', store_pool_size: 0}\n")))
        #expect(errors.diagnostics.map(\.sourceLine) == [
            "{store: 'postgresql://contextd:*******@db/contextd', store_pool_size: 0}"
        ])
        #expect(!errors.description.contains("hunter2"))
    }

    static let unrelatedCA = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ContextdStoreTests/Fixtures/unrelated-ca.pem").standardizedFileURL.path

    private func failure(_ result: Result<DaemonConfiguration, ConfigurationErrors>) -> ConfigurationErrors? {
        if case .failure(let errors) = result { return errors }
        return nil
    }
}
