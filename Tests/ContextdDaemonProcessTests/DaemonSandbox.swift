import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Foundation
import Testing

/// A temporary directory with everything `contextd run` needs — a copy of the stock rules, a
/// config naming one spool, the data directory, the outbox — and the real binary running on it.
///
/// Files are dropped the way a producer drops them (write into `tmp/`, rename into `new/`), and
/// results are read the way a consumer reads them (the outbox's `new/`), so these tests see
/// what an operator sees.
///
/// `backend` chooses the store: SQLite in `data_dir` (the default), or a fresh PostgreSQL
/// database (``SandboxDatabase``) named by `store:` with its password in `store_password_file`,
/// dropped with the sandbox.
final class DaemonSandbox {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let binary: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [beside, beside.deletingLastPathComponent(), root.appendingPathComponent(".build/debug")] {
            let url = candidate.appendingPathComponent("contextd")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return root.appendingPathComponent(".build/debug/contextd")
    }()

    let directory: URL
    var spool: URL { directory.appendingPathComponent("spool") }
    var outbox: URL { directory.appendingPathComponent("outbox") }
    var rules: URL { directory.appendingPathComponent("rules") }
    var log: URL { directory.appendingPathComponent("contextd.log") }
    var database: String { directory.appendingPathComponent("var/contextd.sqlite").path }
    private(set) var process: Process?
    let allowedLateness: String?
    let backend: SandboxBackend
    /// `cluster.node` of an `.eventLog` sandbox.
    let nodeName: String
    /// The PostgreSQL database of a `.postgresql` sandbox; nil on SQLite.
    let postgres: SandboxDatabase?
    /// The stores ``store()`` opened, closed before the database is dropped.
    private var openedStores: [any DaemonStore] = []
    private var dropped = 0

    /// `extra` is appended to the config file (e.g. `limits:` for small slices).
    /// `contextCache` sets `limits.context_cache` (the default when nil). `allowedLateness`
    /// sets `limits.allowed_lateness` and `dedup_retention`: the fixtures are dated November
    /// 2026 and files dropped one by one meet a clock that followed the wall clock, so the tests
    /// that are not about lateness set it, as an operator replaying old exports would; `nil`
    /// keeps the defaults (7 days). ``replay(_:)`` passes the same value.
    /// `maxFutureSkew` sets `limits.max_future_skew`, for a test whose events are dated ahead of
    /// the wall clock on purpose. `postgres` is the database of a `.postgresql` sandbox: by
    /// default a new one on the server of `CONTEXTD_TEST_POSTGRES_URL`.
    init(
        backend: SandboxBackend = .sqlite, postgres: SandboxDatabase? = nil,
        batchEvents: Int = 10_000, contextCache: Int? = nil, allowedLateness: String? = "3650d",
        maxFutureSkew: String? = nil, extra: String = "", node: String = "sandbox", lease: String? = nil,
        leavingOut ruleFiles: [String] = []
    ) throws {
        self.allowedLateness = allowedLateness
        self.backend = backend
        self.nodeName = node
        self.postgres = backend.isPostgres ? try postgres ?? SandboxDatabase() : nil
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("contextd-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("rules"), to: rules)
        for file in ruleFiles { try FileManager.default.removeItem(at: rules.appendingPathComponent(file)) }
        var store = ""
        if let database = self.postgres {
            PostgresTestServer.noteRun()
            var address = database.address
            // A node's connections are told apart in pg_stat_activity.
            if backend == .eventLog { address.applicationName = "contextd-\(node)" }
            store = "store: \(address)\n"
            if let password = database.password {
                try (password + "\n").write(to: directory.appendingPathComponent("store-password"), atomically: true,
                    encoding: .utf8)
                store += "store_password_file: ./store-password\n"
            }
            if backend == .eventLog { store += "cluster:\n  node: \(node)\n" + (lease.map { "  lease: \($0)\n" } ?? "") }
        }
        let config = """
            \(store)rules: ./rules
            data_dir: ./var
            inputs:
              - name: events
                path: ./spool
            outbox: ./outbox
            limits:
              batch_events: \(batchEvents)\(contextCache.map { "\n  context_cache: \($0)" } ?? "")\(
                allowedLateness.map { "\n  allowed_lateness: \($0)\n  dedup_retention: \($0)" } ?? "")\(
                maxFutureSkew.map { "\n  max_future_skew: \($0)" } ?? "")
              rescan_interval: 200ms
            reload:
              debounce: 200ms
            \(extra.contains("http:") ? "" : "http:\n  listen: 127.0.0.1:0")
            \(extra)
            """
        try config.write(to: directory.appendingPathComponent("contextd.yaml"), atomically: true, encoding: .utf8)
        for folder in ["tmp", "new"] {
            try FileManager.default.createDirectory(
                at: spool.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
    }

    deinit {
        if let process, process.isRunning {
            process.terminate()
            if postgres != nil {
                // A daemon on PostgreSQL ends before its database is dropped (bounded: a daemon
                // that does not stop in 20 s is killed).
                let deadline = Date().addingTimeInterval(20)
                while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
        }
        for store in openedStores { store.close() }
        if DaemonSandbox.keepsWhatItMade {
            print("kept for a look (CONTEXTD_TEST_KEEP): \(directory.path)\(postgres.map { ", database \($0.name)" } ?? "")")
            return
        }
        postgres?.drop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `CONTEXTD_TEST_KEEP=1`: sandboxes, their databases and throwaway clusters stay after the
    /// test (each says where), to look into a failure.
    static var keepsWhatItMade: Bool { ProcessInfo.processInfo.environment["CONTEXTD_TEST_KEEP"] == "1" }

    // MARK: The daemon

    /// Starts the daemon on the sandbox's config, with `environment` added to its own (e.g.
    /// `NOTIFY_SOCKET`), standard error sent to `standardError` when given (standard output
    /// still goes to the log), and its open-file limit set to `descriptorLimit` when given (via
    /// `prlimit`, which execs the daemon: the process is still the daemon's).
    func start(
        environment: [String: String] = [:], standardError: FileHandle? = nil, descriptorLimit: Int? = nil
    ) throws {
        // Never the embedded default's 127.0.0.1:8470, which a developer's own daemon (the
        // README's) may hold while the tests run: port 0, or a port the test chose and holds.
        let config = try String(contentsOf: directory.appendingPathComponent("contextd.yaml"), encoding: .utf8)
        #expect(config.contains("listen: 127.0.0.1:") && !config.contains("listen: 127.0.0.1:8470"),
            "a test's daemon names its listener (port 0), never the default port:\n\(config)")
        let process = Process()
        let run = ["run", "--config", directory.appendingPathComponent("contextd.yaml").path]
        if let descriptorLimit {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--nofile=\(descriptorLimit):\(descriptorLimit)", Self.binary.path] + run
        } else {
            process.executableURL = Self.binary
            process.arguments = run
        }
        process.currentDirectoryURL = directory
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if !FileManager.default.fileExists(atPath: log.path) {
            FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardError = standardError ?? handle
        process.standardOutput = handle
        try process.run()
        self.process = process
    }

    /// Sends `signal` and waits (bounded) for the exit; returns the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Double = 20) throws -> Int32 {
        let process = try #require(process)
        kill(process.processIdentifier, signal)
        try waitUntil("the daemon exits after signal \(signal)", timeout: timeout) { !process.isRunning }
        self.process = nil
        return process.terminationStatus
    }

    /// After the daemon exited on its own (a test saw it stop): forget it, so that ``start()``
    /// can run it again.
    func forgetProcess() { process = nil }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// The HTTP port the daemon bound (its config asks for port 0), from its `http listening`
    /// log line; waits for that line.
    func httpPort() throws -> Int {
        var port: Int?
        try waitUntil("the daemon listens on HTTP") {
            port = Self.listeningPort(in: logText)
            return port != nil
        }
        return port ?? 0
    }

    /// The port of the last `http listening` line in a daemon's `log`; nil before there is one.
    static func listeningPort(in log: String) -> Int? {
        var port: Int?
        for line in log.split(separator: "\n") where line.contains("http listening") {
            if let range = line.range(of: "port=") {
                port = Int(line[range.upperBound...].prefix { $0.isNumber })
            }
        }
        return port
    }

    // MARK: Producer side

    /// Writes `text` to `spool/tmp/<name>` and renames it into `new/`.
    func drop(_ name: String, _ text: String) throws {
        let temporary = spool.appendingPathComponent("tmp").appendingPathComponent(name)
        try text.write(to: temporary, atomically: false, encoding: .utf8)
        try FileManager.default.moveItem(at: temporary, to: spool.appendingPathComponent("new").appendingPathComponent(name))
        dropped += 1
    }

    /// Drops every file in order, keeping a copy of each under `input/` so that `replay` can read
    /// the same events afterwards. Returns the copies' paths, in order.
    func dropKeepingCopies(_ files: [(name: String, text: String)]) throws -> [String] {
        let input = directory.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        return try files.map { file in
            let copy = input.appendingPathComponent(file.name)
            try file.text.write(to: copy, atomically: false, encoding: .utf8)
            try drop(file.name, file.text)
            return copy.path
        }
    }

    func names(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool.appendingPathComponent(folder).path)) ?? []).sorted()
    }

    var isDrained: Bool { Self.spoolIsDrained(spool) }

    /// Whether every file dropped into `spool` has left its `new/` and `cur/`.
    static func spoolIsDrained(_ spool: URL) -> Bool {
        ["new", "cur"].allSatisfy {
            ((try? FileManager.default.contentsOfDirectory(atPath: spool.appendingPathComponent($0).path)) ?? []).isEmpty
        }
    }

    // MARK: Consumer side

    /// The task files in the outbox, by id (file name without `.json`), as their JSON text.
    func outboxTasks() throws -> [String: String] {
        let folder = outbox.appendingPathComponent("new")
        var tasks: [String: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            tasks[String(name.dropLast(".json".count))] = text.trimmingCharacters(in: .newlines)
        }
        return tasks
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` seconds pass (then the test
    /// fails with `what` and the daemon's log). Waiting on another process has no other clock.
    func waitUntil(_ what: String, timeout: Double = 60, _ condition: () throws -> Bool) throws {
        try Self.waitUntil(what, timeout: timeout, log: { logText }, condition)
    }

    /// ``waitUntil(_:timeout:_:)`` for any daemon: `log` gives the log text a timeout shows.
    static func waitUntil(
        _ what: String, timeout: Double, log: () -> String, _ condition: () throws -> Bool
    ) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("timed out waiting until \(what); daemon log:\n\(log().suffix(4000))")
        throw CancellationError()
    }

    /// Waits until every dropped file left new/ and cur/ and the daemon has gone idle (its
    /// outbox stops changing).
    func waitUntilDrained(timeout: Double = 120) throws {
        try waitUntil("the spool is drained", timeout: timeout) { isDrained }
        if backend == .eventLog, let postgres {
            // A file leaves cur/ once it is in the log: the engine may still be applying it.
            try waitUntil("the event log is applied", timeout: timeout) {
                // Events only: a slice that moved nothing but a partition's clock commits no position.
                let waiting = try postgres.execute("""
                    SELECT count(*)::text FROM event_log e
                    JOIN partition_lease l ON e.partition % (SELECT partitions FROM cluster) = l.partition
                    WHERE e.kind = 'event' AND e.pos > l.applied_pos
                    """)
                return waiting.first == "0"
            }
        }
        var last = try outboxTasks().count
        try waitUntil("the outbox settles", timeout: timeout) {
            Thread.sleep(forTimeInterval: 0.4)
            let now = try outboxTasks().count
            defer { last = now }
            return now == last
        }
    }

    // MARK: What replay says

    /// `contextd replay --until <now>` over `files`, in that order: one JSON line per task.
    /// `steps` puts a clock advance before the file at an index, as the daemon's idle clock did.
    func replay(_ files: [String], steps: [Int: Timestamp] = [:]) throws -> [String] {
        try replay(arguments: files.enumerated().flatMap { index, file in
            (steps[index].map { [$0.rfc3339] } ?? []) + [file]
        })
    }

    /// `contextd replay --until <now>` over files and clock steps as given (what `contextd log
    /// export --output` prints).
    func replay(arguments: [String]) throws -> [String] {
        let process = Process()
        process.executableURL = Self.binary
        let until = ISO8601DateFormatter().string(from: Date())
        process.arguments = ["replay", "--rules", rules.path, "--until", until] + lateness + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// `contextd replay --stats --until <now>` over `files`: the JSON summary it prints on stderr.
    func replayStatistics(_ files: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = Self.binary
        let until = ISO8601DateFormatter().string(from: Date())
        process.arguments = ["replay", "--stats", "--rules", rules.path, "--until", until] + lateness + files
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// `--allowed-lateness` as the daemon has it (replay's default is the daemon's).
    private var lateness: [String] { allowedLateness.map { ["--allowed-lateness", $0] } ?? [] }

    /// The store, opened read-side after the daemon stopped. A PostgreSQL store is opened for
    /// reading (no migration) and closed with the sandbox.
    func store() throws -> any DaemonStore {
        guard let postgres else { return try StoreLocation.sqlite(path: database).open() }
        let store = try StoreLocation.postgresql(try postgres.settings).openForReading()
        openedStores.append(store)
        return store
    }

    /// The engine's clock as last committed: a node of a cluster keeps it per partition (the
    /// furthest one is the node's), a daemon alone in its engine state.
    func committedClock(_ store: any DaemonStore) throws -> Timestamp? {
        guard backend == .eventLog, let postgres else { return try store.snapshot().clock }
        let rows: [String?] = try postgres.execute("SELECT max(clock)::text FROM partition_lease")
        guard let first = rows.first, let text = first, let milliseconds = Int64(text) else { return nil }
        return Timestamp(milliseconds: milliseconds)
    }

    /// Every event applied, once: a daemon alone records them as seen events; a node's record
    /// is the event log (the log refuses a duplicate, and ``waitUntilDrained(timeout:)`` waits
    /// until the log is applied).
    func appliedEvents() throws -> [SeenEvent] {
        guard backend == .eventLog, let postgres else { return try store().snapshot().seenEvents }
        return try postgres.execute("SELECT source || ' ' || id || ' ' || time FROM event_log WHERE kind = 'event'")
            .compactMap { row in
                let parts = (row ?? "").split(separator: " ", maxSplits: 2).map(String.init)
                guard parts.count == 3, let time = Int64(parts[2]) else { return nil }
                return SeenEvent(source: parts[0], id: parts[1], time: Timestamp(milliseconds: time))
            }
    }

    static func id(of taskJSON: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(taskJSON.utf8)) as? [String: Any]
        return try #require(object?["id"] as? String)
    }
}
