import ContextdEvents
import ContextdStore
import ContextdTestKit
import Foundation
import PostgresNIO
import Testing

/// TLS against a real server (the cluster of `scripts/dev-postgres`, whose CA is
/// `CONTEXTD_TEST_POSTGRES_ROOT_CERT`): `sslmode=verify-full` really encrypts and really checks,
/// and a failure says why in words.
@Suite(.postgresTLS) struct PostgresTLSTests {
    let logger = Logger(label: "contextd.test.postgres-tls")

    /// The test server's address with `query` as its parameters, and `host` instead of its own.
    func address(_ query: String, host: String? = nil) throws -> PostgresAddress {
        let url = try #require(PostgresTestServer.url, "CONTEXTD_TEST_POSTGRES_URL is not set")
        var address = try PostgresAddress(parsing: url)
        let given = try PostgresAddress(parsing: "postgresql://u@h/d?" + query)
        address.sslMode = given.sslMode
        address.rootCertificate = given.rootCertificate
        if let host { address.host = host }
        return address
    }

    var rootCertificate: String {
        get throws { try #require(PostgresTestServer.rootCertificate, "CONTEXTD_TEST_POSTGRES_ROOT_CERT is not set") }
    }

    /// The answers to `queries` (one text column each) on one connection made with `settings`.
    func answers(_ queries: [String], settings: PostgresSettings) async throws -> [String] {
        let connection = try await PostgresConnection.connect(configuration: settings.connectionConfiguration(), id: 1,
            logger: logger)
        do {
            var answers: [String] = []
            for query in queries {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: query), logger: logger)
                for try await value in rows.decode(String.self) { answers.append(value) }
            }
            try await connection.close()
            return answers
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static let sslQuery = "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()"

    @Test(arguments: ["127.0.0.1", "localhost"])
    func verifyFullConnectsEncryptedWithTheStartupSettings(host: String) async throws {
        let settings = try PostgresSettings(
            address: address("sslmode=verify-full&sslrootcert=\(rootCertificate)", host: host),
            statementTimeout: .seconds(7))
        let answers = try await answers(
            [Self.sslQuery, "SHOW statement_timeout", "SHOW application_name"], settings: settings)
        #expect(answers == ["true", "7s", "contextd"])
        PostgresTestServer.noteRun()
    }

    @Test func sslmodeDisableConnectsInTheClear() async throws {
        let settings = try PostgresSettings(address: address("sslmode=disable"))
        #expect(try await answers([Self.sslQuery], settings: settings) == ["false"])
        PostgresTestServer.noteRun()
    }

    /// The pool's configuration (what the store uses) as well as the single connection's.
    @Test func thePoolConnectsWithVerifyFull() async throws {
        let settings = try PostgresSettings(address: address("sslmode=verify-full&sslrootcert=\(rootCertificate)"),
            poolSize: 2)
        let client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: logger)
        let answer = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            let rows = try await client.query(PostgresQuery(unsafeSQL: Self.sslQuery), logger: logger)
            var answers: [String] = []
            for try await value in rows.decode(String.self) { answers.append(value) }
            return answers.joined()
        }
        #expect(answer == "true")
        PostgresTestServer.noteRun()
    }

    @Test func aCertificateFromAnotherCAIsRefusedWithAMessageThatSaysSo() async throws {
        let wrongRoot = PostgresAddressTests.fixture("unrelated-ca.pem")
        let address = try address("sslmode=verify-full&sslrootcert=\(wrongRoot)")
        let reason = await failure(connectingTo: address)
        #expect(reason.contains("cannot connect to PostgreSQL at postgresql://contextd@127.0.0.1:"), "\(reason)")
        #expect(reason.hasSuffix(": the server's certificate is not signed by the root certificate \(wrongRoot) "
            + "(sslrootcert) (sslmode=verify-full); give the certificate of the CA that signed the server's certificate"),
            "\(reason)")
        PostgresTestServer.noteRun()
    }

    @Test func aWrongPasswordIsNamedAsSuchAndNotShown() async throws {
        var address = try address("sslmode=verify-full&sslrootcert=\(rootCertificate)")
        address.password = PostgresPassword("not-the-password-41")
        let reason = await failure(connectingTo: address)
        #expect(reason.hasSuffix(": password authentication failed for user '\(address.user)'; check the password "
            + "('store_password_file' or the URL)"), "\(reason)")
        #expect(!reason.contains("not-the-password-41"))
        PostgresTestServer.noteRun()
    }

    /// What `PostgresConnectionFailure` says about connecting to `address`; "" when it connects.
    func failure(connectingTo address: PostgresAddress) async -> String {
        do {
            let configuration = try PostgresSettings(address: address).connectionConfiguration()
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
            try? await connection.close()
            return ""
        } catch {
            return PostgresConnectionFailure(error, connectingTo: address).reason
        }
    }
}
