import Foundation
import Testing

/// A PostgreSQL cluster of one test's own, made by `scripts/dev-postgres` in a temporary
/// directory: a server the test may stop, crash and restart, and whose superuser it may be,
/// which the shared server of `CONTEXTD_TEST_POSTGRES_URL` never allows (other tests use it).
///
/// Needs Debian's PostgreSQL binaries and openssl, as `.ci/run` and `scripts/dev-postgres` do.
/// The server runs as `postgres` when the tests run as root (PostgreSQL refuses root), as the
/// tests' user otherwise; its superuser is reached over its Unix socket (peer authentication).
final class ThrowawayCluster {
    let directory: URL
    /// `postgresql://contextd:…@127.0.0.1:PORT/contextd_test`: the role with CREATEDB.
    let url: String
    private static let script = DaemonSandbox.root.appendingPathComponent("scripts/dev-postgres")

    init() throws {
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("contextd-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let started = try Self.command(Self.script.path, ["start"], environment: ["CONTEXTD_DEV_POSTGRES_DIR": directory.path])
        try #require(started.status == 0, "scripts/dev-postgres start failed: \(started.output)")
        url = try #require(started.output.split(separator: "\n").last.map(String.init), "no URL printed")
    }

    deinit {
        _ = try? pgctl(["-m", "immediate", "-w", "stop"])
        if DaemonSandbox.keepsWhatItMade {
            print("kept for a look (CONTEXTD_TEST_KEEP): the stopped cluster \(directory.path)")
            return
        }
        try? FileManager.default.removeItem(at: directory)
    }

    var port: String { (try? String(contentsOf: directory.appendingPathComponent("port"), encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }

    /// Stops the server: `fast` (sessions ended, a clean shutdown) or `immediate` (a crash: no
    /// checkpoint, recovery at the next start).
    func stop(mode: String) throws {
        let result = try pgctl(["-m", mode, "-w", "-t", "60", "stop"])
        try #require(result.status == 0, "pg_ctl stop -m \(mode) failed: \(result.output)")
    }

    /// Starts the stopped server again on its port.
    func start() throws {
        let result = try pgctl(["-l", directory.appendingPathComponent("log/postgres.log").path, "-o", "-p \(port)",
            "-w", "-t", "60", "start"])
        try #require(result.status == 0, "pg_ctl start failed: \(result.output)")
    }

    /// `pg_ctl restart -m mode`: down and up again at once.
    func restart(mode: String) throws {
        let result = try pgctl(["-l", directory.appendingPathComponent("log/postgres.log").path, "-o", "-p \(port)",
            "-m", mode, "-w", "-t", "60", "restart"])
        try #require(result.status == 0, "pg_ctl restart -m \(mode) failed: \(result.output)")
    }

    /// Runs `sql` with psql as the cluster's superuser on `database`; returns psql's output
    /// (unaligned, tuples only).
    @discardableResult
    func superuser(_ sql: String, database: String) throws -> String {
        let result = try asOwner(binary("psql"), ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", directory.appendingPathComponent("socket").path, "-p", port, "-d", database, "-c", sql])
        try #require(result.status == 0, "psql failed on \(sql): \(result.output)")
        return result.output
    }

    private func pgctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try asOwner(binary("pg_ctl"), ["-D", directory.appendingPathComponent("data").path] + arguments)
    }

    private func asOwner(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        if getuid() == 0 { return try Self.command("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments) }
        return try Self.command(executable, arguments)
    }

    /// The newest `/usr/lib/postgresql/*/bin/<name>`, as scripts/dev-postgres picks it.
    private func binary(_ name: String) throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let newest = try #require(versions.compactMap(Int.init).max(), "no PostgreSQL in /usr/lib/postgresql")
        return "/usr/lib/postgresql/\(newest)/bin/\(name)"
    }

    /// Runs a command to its end (``BoundedRun``, killed after 5 minutes); its standard output
    /// and error together.
    ///
    /// Through a shell whose child closes every descriptor above 2 before it execs the command:
    /// Foundation's `Process` learns that a child ended when the socket the child inherited is
    /// closed, and a server started by `pg_ctl` would keep that socket (and `waitUntilExit`
    /// would wait for the server). The shell keeps it until the command ends. The command runs
    /// in a session of its own (`setsid --wait`), so that a server it starts is out of reach
    /// of signals to the tests' process group.
    static func command(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, output: String)
    {
        let run = try BoundedRun.run(URL(fileURLWithPath: "/bin/bash"), ["-c", """
            (for fd in /proc/self/fd/*; do fd=${fd##*/}; case $fd in 0|1|2) ;; *) eval "exec $fd>&-" ;; esac; done
             exec setsid --wait "$@"); exit $?
            """, "contextd-test", executable] + arguments, environment: environment, timeout: 300)
        return (run.status, run.output)
    }
}
