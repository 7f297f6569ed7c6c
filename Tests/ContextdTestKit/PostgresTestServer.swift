import Foundation
public import Testing

/// The PostgreSQL server the tests may use, from `CONTEXTD_TEST_POSTGRES_URL`
/// (`postgresql://USER[:PASSWORD]@HOST:PORT/DB`): `swift test` alone needs no server, and the
/// tests that need one are skipped without it. `.ci/run` starts a throwaway cluster, sets the
/// URL, and sets `CONTEXTD_REQUIRE_POSTGRES=1` so that none can be skipped there; it counts
/// the tests that really reached the server in `CONTEXTD_TEST_POSTGRES_LOG`.
public enum PostgresTestServer {
    /// The server's URL; nil when the tests run without one.
    public static var url: String? {
        guard let url = ProcessInfo.processInfo.environment["CONTEXTD_TEST_POSTGRES_URL"], !url.isEmpty else {
            return nil
        }
        return url
    }

    /// The CA certificate that signed the server's certificate (`CONTEXTD_TEST_POSTGRES_ROOT_CERT`,
    /// set by `scripts/dev-postgres env`): the TLS tests connect with `sslmode=verify-full`
    /// against it. Nil for a server without TLS.
    public static var rootCertificate: String? {
        guard let path = ProcessInfo.processInfo.environment["CONTEXTD_TEST_POSTGRES_ROOT_CERT"], !path.isEmpty else {
            return nil
        }
        return path
    }

    /// Whether a missing server is a failure rather than a reason to skip (set by `.ci/run`).
    public static var isRequired: Bool {
        ProcessInfo.processInfo.environment["CONTEXTD_REQUIRE_POSTGRES"] == "1"
    }

    /// Whether PostgreSQL tests run: a server is given, or required (then they fail without one).
    public static var isEnabled: Bool { url != nil || isRequired }

    /// Records that the current test reached the server (one line per test case, appended to
    /// `CONTEXTD_TEST_POSTGRES_LOG` when set): what `.ci/run` counts and prints.
    public static func noteRun(_ what: String? = nil) {
        guard let log = ProcessInfo.processInfo.environment["CONTEXTD_TEST_POSTGRES_LOG"], !log.isEmpty else { return }
        let name = what ?? Test.current.map { "\($0.id)" } ?? "unknown test"
        let line = Data((name.replacingOccurrences(of: "\n", with: " ") + "\n").utf8)
        let fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        // One write of a short line with O_APPEND: lines of parallel tests never interleave.
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}

extension Trait where Self == ConditionTrait {
    /// A test that needs the server over TLS: ``PostgresTestServer/rootCertificate`` as well as
    /// the URL (or the server required: then it fails without them).
    public static var postgresTLS: Self {
        .enabled(if: PostgresTestServer.isRequired || (PostgresTestServer.url != nil && PostgresTestServer.rootCertificate != nil),
            "CONTEXTD_TEST_POSTGRES_URL or CONTEXTD_TEST_POSTGRES_ROOT_CERT is not set: no PostgreSQL server with TLS (scripts/dev-postgres start)")
    }

    /// A test or suite that needs the PostgreSQL server of ``PostgresTestServer``.
    public static var postgres: Self {
        .enabled(if: PostgresTestServer.isEnabled, "CONTEXTD_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    }
}
