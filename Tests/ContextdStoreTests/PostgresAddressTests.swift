import ContextdEvents
import ContextdStore
import Foundation
import PostgresNIO
import Testing

/// `store: postgresql://…`: libpq's URL syntax read into a `PostgresAddress`, every parameter,
/// every mistake with what to write instead, and the password never shown.
@Suite struct PostgresAddressTests {
    @Test func readsEveryPartAndParameter() throws {
        let address = try PostgresAddress(parsing: "postgresql://ops%2Fteam:s3cr%40t@db.example.org:6432/"
            + "contextd%20prod?sslmode=verify-full&sslrootcert=/etc/contextd/ca.pem&connect_timeout=5"
            + "&application_name=contextd%20node%201")
        #expect(address.user == "ops/team")
        #expect(address.password?.revealed == "s3cr@t")
        #expect(address.host == "db.example.org")
        #expect(address.port == 6432)
        #expect(address.database == "contextd prod")
        #expect(address.sslMode == .verifyFull)
        #expect(address.rootCertificate == "/etc/contextd/ca.pem")
        #expect(address.connectTimeoutSeconds == 5)
        #expect(address.applicationName == "contextd node 1")
        #expect(address.description == "postgresql://ops%2Fteam@db.example.org:6432/contextd%20prod?sslmode=verify-full"
            + "&sslrootcert=/etc/contextd/ca.pem&connect_timeout=5&application_name=contextd%20node%201")
    }

    @Test func defaultsAreLibpqs() throws {
        let address = try PostgresAddress(parsing: "postgres://contextd@localhost/contextd")
        #expect(address == PostgresAddress(user: "contextd", host: "localhost", port: 5432, database: "contextd",
            sslMode: .prefer))
        #expect(address.password == nil)
        #expect(address.description == "postgresql://contextd@localhost:5432/contextd?sslmode=prefer")
    }

    @Test(arguments: [
        ("postgresql://contextd@[::1]:5433/contextd", "::1", 5433, "postgresql://contextd@[::1]:5433/contextd?sslmode=prefer"),
        ("postgresql://contextd@[2001:db8::7]/contextd", "2001:db8::7", 5432,
            "postgresql://contextd@[2001:db8::7]:5432/contextd?sslmode=prefer"),
        ("postgresql://contextd@127.0.0.1:1/contextd", "127.0.0.1", 1, "postgresql://contextd@127.0.0.1:1/contextd?sslmode=prefer"),
    ])
    func readsIPAddresses(url: String, host: String, port: Int, description: String) throws {
        let address = try PostgresAddress(parsing: url)
        #expect(address.host == host)
        #expect(address.port == port)
        #expect(address.description == description)
    }

    @Test(arguments: PostgresSSLMode.allCases)
    func readsEverySSLMode(_ mode: PostgresSSLMode) throws {
        let address = try PostgresAddress(parsing: "postgresql://contextd@db/contextd?sslmode=\(mode.rawValue)")
        #expect(address.sslMode == mode)
    }

    /// The user information ends at the last `@`: a password with `@`, `/`, `?` or `:` in it,
    /// unencoded, is still taken whole rather than split into a host that a message would quote.
    @Test func aPasswordWithURLCharactersIsTakenWhole() throws {
        let address = try PostgresAddress(parsing: "postgresql://contextd:p@ss/w?rd:1@db:5432/contextd?sslmode=require")
        #expect(address.password?.revealed == "p@ss/w?rd:1")
        #expect(address.host == "db")
        #expect(address.sslMode == .require)
    }

    struct Mistake: Sendable, CustomTestStringConvertible {
        var url: String
        var reason: String
        var testDescription: String { url }
        init(_ url: String, _ reason: String) {
            self.url = url
            self.reason = reason
        }
    }

    static let mistakes: [Mistake] = [
        Mistake("postgresql://contextd:hunter2@db/contextd?sslmode=verify_full",
            "unknown sslmode 'verify_full' — did you mean 'verify-full'? "
                + "(expected one of: disable, allow, prefer, require, verify-ca, verify-full)"),
        Mistake("postgressql://contextd:hunter2@db/contextd",
            "unknown scheme 'postgressql' — did you mean 'postgresql'? (a store URL starts with postgresql:// or postgres://)"),
        Mistake("sqlite:///var/lib/contextd/contextd.sqlite",
            "SQLite needs no 'store' URL: without 'store' the daemon keeps its SQLite database in 'data_dir'"),
        Mistake("postgresql://contextd:hunter2@db/contextd?sslmod=require",
            "unknown parameter 'sslmod' — did you mean 'sslmode'? "
                + "(contextd reads: sslmode, sslrootcert, connect_timeout, application_name)"),
        Mistake("postgresql://contextd:hunter2@db/contextd?sslcert=/etc/client.pem",
            "unknown parameter 'sslcert' (contextd reads: sslmode, sslrootcert, connect_timeout, application_name)"),
        Mistake("postgresql://contextd:hunter2@db:99999/contextd", "the port must be a whole number from 1 to 65535, found '99999'"),
        Mistake("postgresql://contextd:hunter2@db:/contextd", "the port must be a whole number from 1 to 65535, found ''"),
        Mistake("postgresql://contextd:hunter2@db", "the URL names no database; add '/DB' after the host"),
        Mistake("postgresql://contextd:hunter2@/contextd", "the URL names no host after '@'"),
        Mistake("postgresql://db/contextd", "the URL names no user; write it as postgresql://contextd@db.example.org"),
        Mistake("postgresql://:hunter2@db/contextd", "the URL names no user before '@'"),
        Mistake("postgresql://contextd:@db/contextd", "the password after 'USER:' is empty"),
        Mistake("postgresql://contextd:hunter2%zz@db/contextd", "the password has a malformed percent-escape"),
        Mistake("postgresql://contextd:hunter2@::1/contextd", "an IPv6 address must be written in brackets"),
        Mistake("postgresql://contextd:hunter2@[::1/contextd", "'[' opens an IPv6 address that is never closed"),
        Mistake("postgresql://contextd:hunter2@[db]/contextd", "'db' in brackets is not an IPv6 address"),
        Mistake("postgresql://contextd:hunter2@db1,db2/contextd", "the URL lists several hosts; contextd connects to one"),
        Mistake("postgresql://contextd:hunter2@%2Fvar%2Frun%2Fpostgresql/contextd",
            "the host '/var/run/postgresql' is a Unix socket directory; contextd connects over TCP"),
        Mistake("postgresql://contextd:hunter2@db/contextd?connect_timeout=0",
            "connect_timeout must be a whole number of seconds, at least 1, found '0'"),
        Mistake("postgresql://contextd:hunter2@db/contextd?sslmode=require&sslmode=disable",
            "the parameter 'sslmode' is given twice"),
        Mistake("postgresql://contextd:hunter2@db/contextd?sslrootcert=/etc/ca.pem",
            "sslrootcert=/etc/ca.pem has no effect with sslmode=prefer, which does not check the server's certificate; "
                + "use sslmode=verify-full"),
        Mistake("postgresql://contextd:hunter2@db/contextd?verify", "expected 'name=value' in the URL's parameters, found 'verify'"),
        Mistake("db.example.org:5432/contextd", "expected a URL such as postgresql://"),
    ]

    @Test(arguments: mistakes) func saysWhatIsWrongWithoutThePassword(_ mistake: Mistake) {
        let error = #expect(throws: PostgresAddressError.self) {
            _ = try PostgresAddress(parsing: mistake.url)
        }
        let reason = error?.reason ?? ""
        #expect(reason.contains(mistake.reason), "\(reason)")
        #expect(!reason.contains("hunter2"), "\(reason)")
    }

    /// Interpolated, reflected, dumped or inside the settings: never the password.
    @Test func thePasswordIsNeverShown() throws {
        let secret = "Tr0ub4dor-3-horse"
        let address = try PostgresAddress(parsing: "postgresql://contextd:\(secret)@db/contextd?sslmode=require")
        let settings = try PostgresSettings(address: address)
        let fromFile = try PostgresSettings(address: PostgresAddress(parsing: "postgresql://contextd@db/contextd"),
            passwordFromFile: PostgresPassword(secret))
        var dumped = ""
        dump(settings, to: &dumped)
        dump(fromFile, to: &dumped)
        let shown = [
            "\(address)", String(reflecting: address), "\(settings)", String(reflecting: settings), "\(fromFile)",
            String(reflecting: fromFile), dumped, "\(address.password!)", String(reflecting: address.password!),
        ]
        for text in shown {
            #expect(!text.contains(secret), "\(text)")
        }
        #expect(settings.password?.revealed == secret)
        #expect(fromFile.password?.revealed == secret)
        #expect(settings.description == "postgresql://contextd@db:5432/contextd?sslmode=require (pool 10, statement timeout 30s)")
    }

    @Test func aPasswordInTheURLAndInAFileIsRefused() throws {
        let address = try PostgresAddress(parsing: "postgresql://contextd:hunter2@db/contextd")
        #expect(throws: PostgresAddressError("the password is given twice, in the URL and in 'store_password_file'; "
            + "give it once (the file keeps it out of the configuration)")) {
            _ = try PostgresSettings(address: address, passwordFromFile: PostgresPassword("other"))
        }
    }

    @Test func eachModeChecksWhatLibpqChecks() throws {
        let root = Self.fixture("unrelated-ca.pem")
        func verification(_ query: String) throws -> CertificateVerification? {
            try PostgresAddress(parsing: "postgresql://contextd@db/contextd?" + query).tlsConfiguration()?.certificateVerification
        }
        #expect(try verification("sslmode=disable") == nil)
        #expect(try verification("sslmode=allow") == CertificateVerification.none)
        #expect(try verification("sslmode=prefer") == CertificateVerification.none)
        #expect(try verification("sslmode=require") == CertificateVerification.none)
        #expect(try verification("sslmode=require&sslrootcert=\(root)") == .noHostnameVerification)
        #expect(try verification("sslmode=verify-ca") == .noHostnameVerification)
        #expect(try verification("sslmode=verify-full") == .fullVerification)
        let full = try PostgresAddress(parsing: "postgresql://contextd@db/contextd?sslmode=verify-full&sslrootcert=\(root)")
        let trusted = try #require(full.tlsConfiguration()?.trustRoots)
        let expected = try NIOSSLCertificate.fromPEMFile(root)
        #expect(trusted == .certificates(expected))
        #expect(try PostgresAddress(parsing: "postgresql://contextd@db/contextd?sslmode=verify-full")
            .tlsConfiguration()?.trustRoots == .default)
    }

    @Test func aRootCertificateThatCannotBeUsedIsAnErrorBeforeAnyConnection() throws {
        let missing = try PostgresAddress(parsing: "postgresql://contextd@db/contextd?sslmode=verify-full&sslrootcert=/no/such/ca.pem")
        #expect(throws: PostgresAddressError("cannot read the root certificate /no/such/ca.pem (sslrootcert): No such file or directory")) {
            _ = try missing.tlsConfiguration()
        }
        let notPEM = Self.fixture("../PostgresAddressTests.swift")
        let address = try PostgresAddress(parsing: "postgresql://contextd@db/contextd?sslmode=verify-ca&sslrootcert=\(notPEM)")
        let error = #expect(throws: PostgresAddressError.self) {
            _ = try address.clientConfiguration()
        }
        #expect(error?.reason == "the root certificate \(notPEM) (sslrootcert) holds no PEM certificate "
            + "('-----BEGIN CERTIFICATE-----'); give the CA certificate that signed the server's certificate")
    }

    @Test func theClientConfigurationCarriesTheAddressPoolAndTimeout() throws {
        let address = try PostgresAddress(parsing: "postgresql://contextd:hunter2@[::1]:6543/contextd?sslmode=disable"
            + "&connect_timeout=3&application_name=node-a")
        let settings = try PostgresSettings(address: address, poolSize: 4, statementTimeout: .seconds(12))
        let client = try settings.clientConfiguration()
        #expect(client.host == "::1")
        #expect(client.port == 6543)
        #expect(client.username == "contextd")
        #expect(client.password == "hunter2")
        #expect(client.database == "contextd")
        #expect(client.options.maximumConnections == 4)
        #expect(client.options.connectTimeout == .seconds(3))
        #expect(client.options.additionalStartupParameters.map { "\($0)=\($1)" }
            == ["application_name=node-a", "statement_timeout=12000ms"])
        let connection = try settings.connectionConfiguration()
        #expect(connection.host == "::1")
        #expect(connection.password == "hunter2")
        #expect(connection.options.additionalStartupParameters.map { "\($0)=\($1)" }
            == ["application_name=node-a", "statement_timeout=12000ms"])
    }

    /// A name the certificate does not carry (the live server cannot show it: NIOSSL also accepts
    /// a certificate whose IP entry is the address connected to, and the test cluster's carries
    /// 127.0.0.1).
    @Test func aHostNameTheCertificateDoesNotCarryIsNamed() throws {
        let address = try PostgresAddress(parsing: "postgresql://contextd:hunter2@db.example.org/contextd?sslmode=verify-full")
        let failure = PostgresConnectionFailure(NIOSSLExtraError.failedToValidateHostname, connectingTo: address)
        #expect(failure.reason == "cannot connect to PostgreSQL at postgresql://contextd@db.example.org:5432/contextd?"
            + "sslmode=verify-full: the server's certificate is not issued for 'db.example.org' (sslmode=verify-full "
            + "checks the host name; connect by a name or address the certificate carries, or fix the certificate)")
    }

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/" + name)
            .standardizedFileURL.path
    }
}
