public import ContextdEngine
import ContextdEvents
import ContextdHTTP
public import ContextdRules
import ContextdSpool
import ContextdStore
import Glibc
public import Logging
public import ServiceLifecycle
import UnixSignals

/// `contextd run`: the long-running service of SPEC §1–§5, one `Service` in the process's
/// `ServiceGroup` (so SIGTERM/SIGINT become a graceful shutdown).
///
/// All event work happens in one loop (``Pipeline``), which is what keeps it simple to reason
/// about: events are applied in order, a rule reload happens between two files, and a shutdown
/// is noticed between two committed slices. inotify, SIGHUP and rule edits only ring a
/// ``Doorbell``; the loop rescans anyway every `rescan_interval`.
public struct Daemon: Service {
    let configuration: DaemonConfiguration
    let ruleSet: RuleSet
    /// Held for as long as the daemon runs: no other daemon works on this data directory.
    let lock: DataDirectoryLock
    let logger: Logger
    /// What `/v1/status` says the daemon is (`contextd --version`'s text).
    public var version = "unknown"

    /// `ruleSet` is the first rule load, already checked: a daemon never starts without rules.
    public init(configuration: DaemonConfiguration, ruleSet: RuleSet, lock: DataDirectoryLock, logger: Logger) {
        self.configuration = configuration
        self.ruleSet = ruleSet
        self.lock = lock
        self.logger = logger
    }

    public func run() async throws {
        // Trap SIGHUP before anything else, above all before READY=1: until the handler is in
        // place, SIGHUP's default action ends the process, and systemd may send it at once.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let stop = StopFlag()
        let doorbell = Doorbell()
        let reloads = ReloadRequests()
        let notifier = SystemdNotifier()
        let status = DaemonStatus()
        let connections = makeConnectionTable()
        let metrics = DaemonMetrics(connections: connections)
        let signal = TaskSignal()
        try makeDirectories(configuration.dataDirectory)
        let location = configuration.store
        if let file = location.localFile, !entryExists(file) {
            logger.notice("no store yet: starting with an empty one", metadata: ["database": "\(file)"])
        }
        let watchdog = Watchdog(notifier: notifier)
        let store: any DaemonStore
        do {
            // A loop waiting for its database server is not stuck: it pings the watchdog, and
            // `/readyz` says the store does not answer.
            store = try location.open(warn: { [logger] line in logger.warning("\(line)") }, waiting: { watchdog.beat() })
        } catch {
            throw DatabaseOpenFailure(location: location, cause: error)
        }
        defer { store.close() }
        if let file = location.localFile { lock.recordStore(file) }
        let pipeline = try Pipeline(configuration: configuration, ruleSet: ruleSet, store: store, signal: signal,
            metrics: metrics, logger: logger, shouldStop: { stop.isSet }, wake: { doorbell.ring() })
        metrics.reload(succeeded: true, at: WallClock.now(), rules: ruleSet.rules.count)
        pipeline.board.loaded(ruleSet, at: WallClock.now())
        pipeline.heartbeat = { watchdog.beat() }
        let spoolWatcher = try DirectoryWatcher(directories: configuration.inputs.map { $0.path + "/new" }, recursive: false)
        let ruleWatcher = configuration.watchRules
            ? try DirectoryWatcher(directories: configuration.rules.filter(Self.isDirectory), recursive: true) : nil
        let listening = ListenerState()
        let apiStopped = Doorbell()
        let assembly = StatusAssembly(
            board: pipeline.board, store: store, inputs: configuration.inputs.map { ($0.name, $0.path) },
            outboxNew: pipeline.outbox.new, version: version, heartbeat: pipeline.nodeLog?.cluster.heartbeat)
        let api = makeAPI(store: store, outboxNew: pipeline.outbox.new, signal: signal, metrics: metrics, status: status,
            assembly: assembly, doorbell: doorbell, listening: listening, connections: connections)

        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                for await _ in spoolWatcher.changes { doorbell.ring() }
            }
            if let ruleWatcher {
                group.addTask {
                    for await _ in ruleWatcher.changes {
                        reloads.noteChange(at: WallClock.now())
                        doorbell.ring()
                    }
                }
            }
            group.addTask {
                for await _ in hangups {
                    reloads.requestNow()
                    doorbell.ring()
                }
            }
            group.addTask { [configuration] in
                defer { apiStopped.ring() }
                do {
                    try await api.run()
                } catch {
                    // The loop stops the daemon with it, in words an operator can act on.
                    listening.failed(error, address: "\(configuration.http.listen)")
                }
            }
            defer {
                spoolWatcher.stop()
                ruleWatcher?.stop()
                group.cancelAll()
            }
            try await withGracefulShutdownHandler {
                try await loop(pipeline: pipeline, probe: store, doorbell: doorbell, reloads: reloads, notifier: notifier,
                    watchdog: watchdog, stop: stop, status: status, metrics: metrics, listening: listening)
            } onGracefulShutdown: {
                stop.set()
                doorbell.ring()
            }
            // The listener got the same shutdown: let it close its connections (long polls end
            // at once) before the group is cancelled.
            await apiStopped.wait(timeout: .seconds(10))
        }
        notifier.stopping()
        let counters = pipeline.counters
        logger.notice("stopped", metadata: [
            "files": "\(counters.files)", "events_read": "\(counters.events)", "tasks_written": "\(counters.tasksWritten)",
        ])
    }

    /// The HTTP API (SPEC §3) over the daemon's store, with its metrics and readiness.
    private func makeAPI(
        store: any DaemonStore, outboxNew: String, signal: TaskSignal, metrics: DaemonMetrics, status: DaemonStatus,
        assembly: StatusAssembly, doorbell: Doorbell, listening: ListenerState, connections: ConnectionTable
    ) -> APIServer {
        let http = configuration.http
        let notReadyReasons: @Sendable () async -> [String] = {
            var reasons = status.notReadyReasons
            if let problem = store.storageProblem { reasons.append(problem) }
            if !(await store.isAvailable()) { reasons.append("the store does not answer") }
            return reasons
        }
        let probe = OperationsProbe(
            notReadyReasons: notReadyReasons,
            metrics: { await metrics.exposition(store: store, outboxNew: outboxNew, now: WallClock.now()) },
            status: { await assembly.report(notReady: await notReadyReasons(), now: WallClock.now()) })
        return APIServer(
            host: http.listen.host, port: http.listen.port, store: store, settings: http.apiSettings, signal: signal,
            observer: APIActivity(metrics: metrics, outcomeArrived: { doorbell.ring() }), probe: probe, logger: logger,
            now: { WallClock.now() }, connections: connections,
            rejectedInput: RejectedInputSource(spools: configuration.inputs.map {
                RejectedInputSource.Spool(name: $0.name, rejectedPath: $0.path + "/rejected")
            }),
            ruleFiles: RuleFilesSource(paths: configuration.rules),
            onListening: { _ in listening.listening() })
    }

    /// The table that caps the API's connections: at `http.max_connections`, or lower when the
    /// descriptor limit would not leave the loop enough (then it says so).
    private func makeConnectionTable() -> ConnectionTable {
        let limits = configuration.http.connections
        let descriptors = DescriptorLimit.raise()
        let cap = limits.affordableConnections(descriptorLimit: descriptors)
        if cap < limits.maxConnections {
            logger.warning("http.max_connections lowered to fit the file descriptor limit (raise LimitNOFILE)",
                metadata: ["max_connections": "\(limits.maxConnections)", "effective": "\(cap)",
                    "descriptor_limit": "\(descriptors)"])
        }
        return ConnectionTable(limit: cap)
    }

    private func loop(
        pipeline: Pipeline, probe: any StoreHealthProbe, doorbell: Doorbell, reloads: ReloadRequests, notifier: SystemdNotifier,
        watchdog: Watchdog, stop: StopFlag, status: DaemonStatus, metrics: DaemonMetrics, listening: ListenerState
    ) async throws {
        logger.notice("started", metadata: [
            "rules": "\(ruleSet.rules.count)",
            "inputs": "\(configuration.inputs.map { "\($0.name)=\($0.path)" }.joined(separator: ","))",
            "database": "\(configuration.store)", "outbox": "\(configuration.outbox)",
            "node": "\(configuration.cluster.map { "\($0.node) (on the event log)" } ?? "alone")",
        ])
        // A listener that cannot bind stops the start now, before a long recovery.
        try await listening.wait(timeout: .seconds(30))
        guard try pipeline.recover() else { return }
        // READY=1 once serving (SPEC §5): the spools are recovered and the API accepts connections.
        status.recovered()
        notifier.ready()
        func serveReload(_ pipeline: Pipeline) {
            guard let reason = reloads.take(at: WallClock.now(), debounce: configuration.reloadDebounce) else { return }
            reload(pipeline: pipeline, reason: reason, notifier: notifier, metrics: metrics)
        }
        // From now on a SIGHUP is served between two events rather than after the file in
        // hand: with a thousand rules, a file of a hundred events takes about a tenth of a
        // second. Not during recovery: a reload ends with READY=1, which must not come before
        // the first one.
        pipeline.betweenEvents = { pipeline in if reloads.isRequestedNow { serveReload(pipeline) } }
        while !stop.isSet && !Task.isCancelled {
            try listening.check()
            // A store whose storage went from under it (SQLite: its file deleted or replaced):
            // stop before committing where nobody will read again (a restart would have started
            // empty without a word). The store refuses such a commit anyway; this notices it
            // while nothing is to be committed. One `stat` a round, nothing for a server database.
            if let problem = probe.storageProblem { throw StorageProblem(problem) }
            serveReload(pipeline)
            let shortages = pipeline.fileDescriptorShortage.count
            if try pipeline.step() {
                // Out of file descriptors: a moment's pause, rather than claiming files and
                // giving them back to new/ in a spin until some are free.
                if pipeline.fileDescriptorShortage.count > shortages { try? await Task.sleep(for: .milliseconds(250)) }
                continue
            }
            try pipeline.idle()
            watchdog.beat()
            let now = WallClock.now()
            var wake = now + configuration.rescanInterval
            if let deadline = try pipeline.nextDeadline(), deadline < wake { wake = max(now, deadline) }
            if let deadline = reloads.deadline(debounce: configuration.reloadDebounce), deadline < wake {
                wake = max(now, deadline)
            }
            if let interval = watchdog.interval, now + interval < wake { wake = now + interval }
            // Waiting for other nodes' partitions (the watermark): look again in a moment.
            if pipeline.waitsForOthers, now + Pipeline.watermarkPoll < wake { wake = now + Pipeline.watermarkPoll }
            await doorbell.wait(timeout: .milliseconds(max(1, (wake - now).milliseconds)))
        }
        // A shutdown between groups: the last commit is on disk, its tasks in the outbox.
        try pipeline.settle()
        pipeline.leaveCluster()
    }

    /// Loads and checks the whole rule set; swaps it in only when it has no error.
    private func reload(pipeline: Pipeline, reason: String, notifier: SystemdNotifier, metrics: DaemonMetrics) {
        notifier.reloading()
        defer { notifier.ready() }
        let (result, warnings) = RuleLoader.check(paths: configuration.rules)
        switch result {
        case .success(let ruleSet):
            if let refusal = configuration.emptyRulesRefusal(ruleSet) {
                metrics.reload(succeeded: false, at: WallClock.now(), rules: nil)
                pipeline.board.reloadFailed([], at: WallClock.now())
                logger.error("reload refused; the previous rules stay in force", metadata: [
                    "reason": "\(reason)", "error": "\(refusal)", "reload_ok": "false",
                ])
                notifier.status("last reload refused: no rules; previous rules in force")
                return
            }
            pipeline.replace(ruleSet: ruleSet)
            Self.log(warnings, to: logger)
            metrics.reload(succeeded: true, at: WallClock.now(), rules: ruleSet.rules.count)
            pipeline.board.loaded(ruleSet, at: WallClock.now())
            logger.notice("rules reloaded", metadata: [
                "reason": "\(reason)", "rules": "\(ruleSet.rules.count)", "policies": "\(ruleSet.policies.count)",
                "reload_ok": "true",
            ])
            notifier.status("rules reloaded: \(ruleSet.rules.count) rules")
        case .failure(let failure):
            metrics.reload(succeeded: false, at: WallClock.now(), rules: nil)
            pipeline.board.reloadFailed(failure.diagnostics, at: WallClock.now())
            for diagnostic in failure.diagnostics {
                logger.error("rule error", metadata: [
                    "at": "\(diagnostic.file):\(diagnostic.line):\(diagnostic.column)", "error": "\(diagnostic.message)",
                ])
            }
            logger.error("reload failed; the previous rules stay in force", metadata: [
                "reason": "\(reason)", "errors": "\(failure.diagnostics.count)", "reload_ok": "false",
            ])
            notifier.status("last reload failed: \(failure.diagnostics.count) errors; previous rules in force")
        }
    }

    /// What `contextd check` would warn about in rules that load (a defer that can hold a rule's
    /// tasks past their expiry, say): one line each, so an operator who edits rules on the host
    /// sees them without running `check`.
    public static func log(_ warnings: [Diagnostic], to logger: Logger) {
        for warning in warnings {
            logger.warning("rule warning", metadata: [
                "at": "\(warning.file):\(warning.line):\(warning.column)", "warning": "\(warning.message)",
            ])
        }
    }

    /// Whether a configured rules path is a directory (watched) or a single file.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
