import ContextdEngine
import ContextdStore
import ContextdTestKit
import Foundation
import Testing

/// How the real binary starts on a store it cannot use (docs/operations.md, "Exit codes"): a
/// server that answers no is a setup error a restart does not fix (exit 78, the reason on
/// standard error, never the password); a server that does not answer may come back (exit 1,
/// systemd restarts). And `contextd migrate` on both backends: what it applied, then that
/// there is nothing to do.
@Suite(.serialized, .blocksAThread) struct StoreStartupTests {
    @Test(.postgres) func aWrongPasswordExits78WithTheReasonAndNeverThePassword() throws {
        let sandbox = try DaemonSandbox(backend: .postgresql)
        let address = try #require(sandbox.postgres?.address)
        let wrong = "Wrong-\(UUID().uuidString.prefix(12))"
        try (wrong + "\n").write(to: sandbox.directory.appendingPathComponent("store-password"), atomically: true,
            encoding: .utf8)
        let run = try sandbox.runToEnd(["run"])
        #expect(run.status == 78)
        #expect(run.error == "contextd: cannot open the store: cannot connect to PostgreSQL at \(address): "
            + "password authentication failed for user '\(address.user)'; check the password ('store_password_file' "
            + "or the URL); not starting\n")
        for text in [run.output, run.error, sandbox.logText] { #expect(!text.contains(wrong)) }
    }

    @Test(.postgres) func aMissingDatabaseExits78SayingItDoesNotExist() throws {
        let sandbox = try DaemonSandbox(backend: .postgresql)
        let database = try #require(sandbox.postgres)
        database.drop()
        let run = try sandbox.runToEnd(["run"])
        #expect(run.status == 78)
        #expect(run.error == "contextd: cannot open the store: cannot connect to PostgreSQL at \(database.address): "
            + "the database '\(database.name)' does not exist; create it (createdb) or fix the URL; not starting\n")
    }

    /// Nothing listens on the port: the server may be starting or restarting, so exit 1 (which
    /// systemd restarts), not 78. Needs no server at all.
    @Test func nothingListeningExits1SayingItCannotReachPostgreSQL() throws {
        let port = try RawConnections.freePort()  // bound and let go: nothing listens on it
        let sandbox = try DaemonSandbox(extra: "store: postgresql://contextd@127.0.0.1:\(port)/contextd?sslmode=disable")
        let run = try sandbox.runToEnd(["run"])
        #expect(run.status == 1)
        let said = run.output + run.error
        #expect(said.contains("cannot reach PostgreSQL at postgresql://contextd@127.0.0.1:\(port)/contextd?sslmode=disable"),
            "\(said)")
    }

    @Test func migrateOnSQLiteListsWhatItAppliedThenSaysUpToDate() throws {
        let sandbox = try DaemonSandbox()
        let names = ["v1-engine-state", "v1-tasks", "v1-spool-progress", "v2-task-explanations", "v3-task-leases",
            "v4-rowid-tables", "v5-late-events", "v6-expired-on-arrival", "v7-task-browsing", "v8-expires-before-due"]
        let first = try sandbox.runToEnd(["migrate"])
        #expect(first.status == 0)
        #expect(first.output == names.map { "applied \($0)\n" }.joined()
            + "the store at \(sandbox.database) is up to date (10 migration(s) applied)\n")
        #expect(first.error == "")
        let second = try sandbox.runToEnd(["migrate"])
        #expect(second.status == 0)
        #expect(second.output == "the store at \(sandbox.database) is up to date\n")
        #expect(second.error == "")
    }

    @Test(.postgres) func migrateOnPostgreSQLListsWhatItAppliedThenSaysUpToDate() throws {
        let sandbox = try DaemonSandbox(backend: .postgresql)
        let address = try #require(sandbox.postgres?.address)
        let first = try sandbox.runToEnd(["migrate"])
        #expect(first.status == 0)
        #expect(first.output == "applied pg1-schema\napplied pg2-event-log\napplied pg3-cluster\napplied pg4-watermark\napplied pg5-rule-switch\nthe store at \(address) is up to date (5 migration(s) applied)\n")
        #expect(first.error == "")
        let second = try sandbox.runToEnd(["migrate"])
        #expect(second.status == 0)
        #expect(second.output == "the store at \(address) is up to date\n")
        #expect(try sandbox.postgres?.execute("SELECT name FROM contextd_migration ORDER BY name") == ["pg1-schema", "pg2-event-log", "pg3-cluster", "pg4-watermark", "pg5-rule-switch"])
    }
}

extension DaemonSandbox {
    /// `contextd <command> --config <the sandbox's config>` run to its end (killed after
    /// `timeout` seconds): its exit status, standard output and standard error, apart.
    func runToEnd(_ command: [String], config: String = "contextd.yaml", timeout: Double = 60) throws
        -> (status: Int32, output: String, error: String)
    {
        let run = try BoundedRun.contextd(command + ["--config", directory.appendingPathComponent(config).path],
            in: directory, errorApart: true, timeout: timeout)
        if run.timedOut { Issue.record("contextd \(command.joined(separator: " ")) did not end within \(timeout) s") }
        return (run.status, run.output, run.error)
    }
}
