import ContextdEngine
import ContextdStore
import ContextdTestKit
import Foundation
import Glibc
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
        let port = try Self.portNobodyListensOn()
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
        #expect(first.output == "applied pg1-schema\nthe store at \(address) is up to date (1 migration(s) applied)\n")
        #expect(first.error == "")
        let second = try sandbox.runToEnd(["migrate"])
        #expect(second.status == 0)
        #expect(second.output == "the store at \(address) is up to date\n")
        #expect(try sandbox.postgres?.execute("SELECT name FROM contextd_migration ORDER BY name") == ["pg1-schema"])
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now: one the kernel handed out and that
    /// was closed again.
    static func portNobodyListensOn() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(socket >= 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension DaemonSandbox {
    /// `contextd <command> --config <the sandbox's config>` run to its end (killed after
    /// `timeout` seconds): its exit status, standard output and standard error, apart.
    func runToEnd(_ command: [String], config: String = "contextd.yaml", timeout: Double = 60) throws
        -> (status: Int32, output: String, error: String)
    {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = command + ["--config", directory.appendingPathComponent(config).path]
        process.currentDirectoryURL = directory
        let output = directory.appendingPathComponent("run-\(UUID().uuidString.prefix(8)).out")
        let error = directory.appendingPathComponent("run-\(UUID().uuidString.prefix(8)).err")
        for file in [output, error] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        let outputHandle = try FileHandle(forWritingTo: output)
        let errorHandle = try FileHandle(forWritingTo: error)
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("contextd \(command.joined(separator: " ")) did not end within \(timeout) s")
        }
        try outputHandle.close()
        try errorHandle.close()
        defer { for file in [output, error] { try? FileManager.default.removeItem(at: file) } }
        return (process.terminationStatus,
            (try? String(contentsOf: output, encoding: .utf8)) ?? "", (try? String(contentsOf: error, encoding: .utf8)) ?? "")
    }
}
