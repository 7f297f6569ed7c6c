import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdReplay
import ContextdSpool
import ContextdStore
import Dispatch
import Logging
import Synchronization

/// The roles of the store the daemon's loop uses: its engine state and group commit, the
/// outbox's marks, the spool files' progress, and the queue's due tasks and outcomes.
typealias LoopStore = EngineStateStore & OutboxLedger & SpoolLedger & TaskQueue

/// The daemon's work, done by one thread of control: claim spool files, apply their events,
/// commit them together with their progress, write what became due to the outbox, and only
/// then let the files leave `cur/`.
///
/// Every decision that matters for exactly-once lives here, in this order:
/// 1. the effects of a group of events and "each of these files got this far" are one
///    transaction. A group is every file waiting when it was formed (one per spool per round,
///    so spools are served fairly), up to `batch_events` events; a file larger than that is
///    cut into slices, each committed with the rest of its group. One commit for a group of
///    small files is what lets the daemon keep up with a thousand files a second: the disk
///    flushes once per group, not once per file;
/// 2. the outbox is written from committed tasks only (``Delivery``, ``FileOutbox``);
/// 3. the files move to `done/` (or are deleted) after the commit that finished them, and
///    their progress is forgotten in the next commit; so a crash at any point redoes at most
///    one uncommitted group, whose events the store has not seen.
///
/// Its parts: this file is the loop (groups, commits, the ``LoopState``); `Pipeline+Files`
/// applies one file; ``Delivery`` takes committed tasks to their consumers; ``LoopTelemetry``
/// counts and says what happened; ``Recovery`` finds what a previous process left.
final class Pipeline {
    let configuration: DaemonConfiguration
    let store: any LoopStore
    let inputs: [(input: DaemonConfiguration.Input, spool: Spool)]
    /// The engine the loop applies events to; on a node of a cluster, the engine of the cohort
    /// in hand (``activate(_:in:)``).
    var engine: Engine
    /// Where the engine reads back the contexts it let go of; a failed read stops the commit.
    private let storedContexts: StoredContexts
    /// The rules in force: every engine the loop makes (a node's cohorts) starts with them.
    private(set) var ruleSet: RuleSet
    /// A node's engine while it holds no partition: nothing is applied to it.
    private(set) lazy var placeholderEngine = makeEngine(restoring: EngineSnapshot())
    var logger: Logger
    /// Asked between slices: true once a shutdown was requested.
    let shouldStop: @Sendable () -> Bool
    /// Called after every commit (the systemd watchdog).
    var heartbeat: () -> Void = {}
    /// Called after every event of a file: where a requested rule reload happens without
    /// waiting for the rest of the file (the engine swaps rules between two events).
    var betweenEvents: (Pipeline) -> Void = { _ in }
    /// Times the loop ran out of file descriptors, and when it last said so (rate-limited).
    var fileDescriptorShortage = FileDescriptorShortage()
    private let explanations: TaskExplanations
    private var lastPrune: Timestamp?
    /// What was applied since the last commit.
    var group = Group()
    /// Files moved out of `cur/` whose progress the next commit forgets.
    var completed: [(spool: String, file: String)] = []
    /// Where the loop is, with the commit in flight if there is one.
    var state = LoopState.starting
    /// The wall clock, read here only: the clock follows it when every spool is drained, and
    /// events further ahead of it than `limits.max_future_skew` are rejected. Tests set it.
    let wallClock: @Sendable () -> Timestamp
    let delivery: Delivery
    let telemetry: LoopTelemetry
    /// Set on a node of a cluster (`cluster:`): the engine applies the event log, not the
    /// files it claims (``Pipeline+Log``).
    var nodeLog: NodeLog?

    var outbox: FileOutbox { delivery.outbox }
    var metrics: DaemonMetrics { telemetry.metrics }
    /// What `/v1/status` shows of the loop's work.
    var board: StatusBoard { telemetry.board }
    var counters: PipelineCounters { telemetry.counters }

    init(configuration: DaemonConfiguration, ruleSet: RuleSet, store: any LoopStore, signal: TaskSignal,
        metrics: DaemonMetrics, logger: Logger, shouldStop: @escaping @Sendable () -> Bool,
        wallClock: @escaping @Sendable () -> Timestamp = { WallClock.now() }, wake: @escaping @Sendable () -> Void = {}) throws
    {
        self.configuration = configuration
        self.ruleSet = ruleSet
        self.wallClock = wallClock
        self.logger = logger
        self.shouldStop = shouldStop
        self.store = store
        // Contexts stay in the store and come back as events need them: memory holds a
        // working set of `limits.context_cache` entities, not every entity ever seen.
        engine = Engine(ruleSet: ruleSet, dedupRetention: configuration.dedupRetention,
            allowedLateness: configuration.allowedLateness, restoring: try store.snapshot(includingContexts: false))
        storedContexts = StoredContexts(store: store)
        engine.contextSource = storedContexts
        engine.recordsChanges = true
        engine.monotonicClock = { DispatchTime.now().uptimeNanoseconds }
        explanations = TaskExplanations(scorers: ruleSet.scorers)
        engine.observer = explanations
        telemetry = LoopTelemetry(metrics: metrics, logger: logger, wallClock: wallClock,
            rules: engine.statistics.rules, clock: engine.clock)
        delivery = Delivery(outbox: try FileOutbox(directory: configuration.outbox), store: store,
            httpAssignees: configuration.http.assignees, signal: signal)
        inputs = try configuration.inputs.map { input in
            (input, try Spool(name: input.name, directory: input.path, onDone: input.onDone == .delete ? .delete : .move))
        }
        if let cluster = configuration.cluster {
            nodeLog = try Self.nodeLog(of: cluster, store: store, engine: engine, configuration: configuration,
                logger: logger, wake: wake)
            // The node's engines are its cohorts' (``rebalance(force:)``); until it holds a
            // partition the loop's engine is an empty one.
            engine = placeholderEngine
            telemetry.switched(to: engine)
        }
    }

    /// The log stages of a node, joined to the cluster. A store whose engine state was built
    /// without the log (a daemon alone on it before) is refused: `replay` of the log could never
    /// give what it holds.
    private static func nodeLog(
        of cluster: ClusterSettings, store: any LoopStore, engine: Engine, configuration: DaemonConfiguration,
        logger: Logger, wake: @escaping @Sendable () -> Void
    ) throws -> NodeLog {
        guard let log = store as? any EventLog, let members = store as? any ClusterMembership else {
            throw NodeLogRefusal.noEventLog
        }
        if let clock = engine.clock { throw NodeLogRefusal.stateWithoutLog(clock: clock) }
        let limits = LogIngest.Limits(maxLineBytes: configuration.maxLineBytes,
            maxFutureSkew: configuration.maxFutureSkew, allowedLateness: configuration.allowedLateness)
        let node = try joinCluster(cluster, store: members, configuration: configuration, logger: logger, wake: wake)
        return NodeLog(log: log, ingest: LogIngest(log: log, node: cluster.node, limits: limits),
            evaluation: LogEvaluation(log: log), cluster: node)
    }

    /// An engine with the loop's rules and settings, restored from `snapshot`, reading contexts
    /// back from the store.
    func makeEngine(restoring snapshot: EngineSnapshot, ruleSet: RuleSet? = nil) -> Engine {
        let engine = Engine(ruleSet: ruleSet ?? self.ruleSet, dedupRetention: configuration.dedupRetention,
            allowedLateness: configuration.allowedLateness, restoring: snapshot)
        engine.contextSource = storedContexts
        engine.recordsChanges = true
        engine.monotonicClock = { DispatchTime.now().uptimeNanoseconds }
        engine.observer = explanations
        return engine
    }

    /// Swaps the rule set between two events (the loop calls it between files). A node of a
    /// cluster only takes note: its cohorts keep the cluster's rules until the log switches
    /// every partition at one position (decision 0018 §4, ``noteRulesReloaded()``).
    func replace(ruleSet: RuleSet) {
        let retired = RetiredRuleSet(self.ruleSet)
        self.ruleSet = ruleSet
        if nodeLog == nil { engine.replace(ruleSet: ruleSet) }
        noteRulesReloaded()
        explanations.scorers = ruleSet.scorers
        // Freeing a thousand compiled rules (closures in closures) takes milliseconds: another
        // thread does it, and the loop goes on with the new rules.
        DispatchQueue.global(qos: .utility).async { retired.release() }
    }

    /// Holds the rule set a reload replaced until another thread lets go of it.
    private final class RetiredRuleSet: Sendable {
        private let ruleSet: Mutex<RuleSet?>
        init(_ ruleSet: RuleSet) { self.ruleSet = Mutex(ruleSet) }
        func release() { ruleSet.withLock { $0 = nil } }
    }

    /// Finishes what a previous process left (``Recovery``): staged outbox files, then files in
    /// `cur/`, redone from where their committed progress got. First, once. False when a
    /// shutdown interrupted it.
    func recover() throws -> Bool {
        if nodeLog != nil {
            try recoverOnLog()
            return true
        }
        try state.beginRecovering()
        let recovery = Recovery(outbox: delivery.outbox, store: store, logger: logger)
        _ = try recovery.finishOutbox(at: wallClock())
        for (input, spool) in inputs {
            let found = try recovery.leftovers(of: spool, input: input.name)
            completed += found.forgotten.map { (spool: input.name, file: $0) }
            for file in found.redo {
                logger.notice("redoing file left in cur/", metadata: ["spool": "\(input.name)", "file": "\(file.name)"])
                let claim = try spool.reclaim(file.name)
                if try process(claim, named: file.name, input: input, spool: spool, progress: file.progress) == .interrupted {
                    return false
                }
            }
        }
        try commitGroup()
        try finishCommit()
        try state.becomeIdle()
        return true
    }

    /// Applies and commits one group: rounds of the first waiting file of each spool, in
    /// configuration order, so a flood in one spool delays another by at most one file per
    /// round; rounds go on until the group holds `batch_events` events or
    /// ``maximumGroupFiles`` files, or nothing waits. False when every spool was drained.
    /// The group's commit may still be in flight when it returns (``finishCommit()``).
    func step() throws -> Bool {
        if nodeLog != nil { return try stepOnLog() }
        guard var waiting = try waitingFiles() else { return false }
        guard waiting.contains(where: { !$0.isEmpty }) else { return false }
        try state.beginApplying()
        rounds: while true {
            var worked = false
            for (index, (input, spool)) in inputs.enumerated() {
                guard let name = waiting[index].popFirst() else { continue }
                worked = true
                if try process(try spool.claim(name), named: name, input: input, spool: spool, progress: nil) == .interrupted {
                    return true
                }
                if shouldStop() { break rounds }
            }
            if !worked || group.items >= configuration.batchEvents || group.finished.count >= Self.maximumGroupFiles {
                break
            }
        }
        try commitGroup()
        return true
    }

    /// At most this many files are committed (and their `file done` lines logged) together.
    static let maximumGroupFiles = 1000

    /// With every spool drained: the clock follows the wall clock (SPEC §2), due timers fire,
    /// due tasks go out, old dedup records are forgotten.
    func idle() throws {
        if nodeLog != nil {
            try idleOnLog()
            try pruneIfDue()
            try state.becomeIdle()
            return
        }
        try finishCommit()
        try applyOutcomes()
        let now = wallClock()
        if let clock = engine.clock, now > clock {
            let tasks = engine.advance(to: now)
            let changes = engine.takeChanges()
            if tasks.isEmpty && changes.isEmpty && completed.isEmpty && !delivery.awaitsMarks {
                // Only the clock moved: no commit (and no disk flush) for that. The next commit
                // stores it; a restart before then starts from the older clock and moves it again.
                telemetry.clockMoved(to: engine.clock)
                try flushOutbox(at: engine.clock)
            } else {
                try commit(Commit(changes: changes, tasks: tasks))
                try finishCommit()
            }
        } else {
            try flushOutbox(at: engine.clock)
        }
        try pruneIfDue()
        try state.becomeIdle()
    }

    /// Once an hour: dedup records and suppressed candidates older than `dedup_retention`
    /// forgotten.
    private func pruneIfDue() throws {
        let now = wallClock()
        if let clock = engine.clock, lastPrune.map({ now - $0 >= .hours(1) }) ?? true {
            lastPrune = now
            // Against the earlier of the two clocks: a clock that jumped can never void them.
            let forgotten = try store.forgetSeenEvents(before: min(clock, now) - configuration.dedupRetention)
            if forgotten > 0 {
                logger.info("duplicate-check records older than dedup_retention expired", metadata: ["count": "\(forgotten)"])
            }
            let stopped = try store.forgetSuppressed(before: clock - configuration.dedupRetention)
            if stopped > 0 { logger.info("suppressed candidates past retention forgotten", metadata: ["count": "\(stopped)"]) }
        }
    }

    /// Outcomes acked over HTTP since the last look, applied as `contextd.task.outcome` events
    /// (so cooldown policies see them) and forgotten in the same commit. Only once every
    /// spool is drained: an ack happens on the wall clock, and applying it in the middle of a
    /// backlog would move the clock past events still waiting.
    private func applyOutcomes() throws {
        while true {
            // The outcomes the previous round applied are forgotten once its commit is on disk.
            try finishCommit()
            let pending = try store.pendingOutcomes(limit: 1000)
            if pending.isEmpty { return }
            var tasks: [TaskChange] = []
            for event in pending.compactMap(\.event) { tasks += engine.apply(event) }
            try commit(Commit(changes: engine.takeChanges(), tasks: tasks, appliedOutcomes: pending.map(\.seq)))
            logger.info("outcomes applied", metadata: ["count": "\(pending.count)"])
        }
    }

    /// When the loop must wake up at the latest: the next timer or the next deferred task.
    func nextDeadline() throws -> Timestamp? {
        try finishCommit()
        let clock = engine.clock ?? wallClock()
        if nodeLog != nil {
            return [nextTimerOfCohorts, try store.nextDue(after: clock)].compactMap { $0 }.min()
        }
        return [engine.nextTimer, try store.nextDue(after: clock)].compactMap { $0 }.min()
    }

    /// Commits the group with each file's progress, then lets its finished files leave `cur/`.
    func commitGroup() throws {
        guard group.items > 0 || !group.finished.isEmpty || group.current != nil || !completed.isEmpty else { return }
        var progress = group.finished.map {
            FileProgress(spool: $0.input, file: $0.name, items: $0.items, finished: true)
        }
        if let current = group.current { progress.append(current) }
        try commit(Commit(changes: engine.takeChanges(), tasks: group.tasks, progress: progress, rejects: group.rejects),
            finished: group.finished, tally: group.tally)
        group = Group(current: group.current)
    }

    /// Hands a batch, with the files completed since the last commit, to the store's writer
    /// and returns while it is written: the engine goes on with the next group on this core
    /// (decision 0009). What needs the batch on disk waits for ``finishCommit()``.
    ///
    /// The tasks the batch makes due are written to the outbox's `tmp/` first and staged by
    /// this commit; the files of the previous commit leave `cur/` while this one is written
    /// (decision 0010). Both keep the disk's flushes off the way from a file to its tasks.
    func commit(_ batch: Commit, finished: [FinishedFile] = [], tally: [String: StatusBoard.EventTotals] = [:]) throws {
        let landed = try land()
        try state.checkCommit()
        var batch = batch
        if batch.fence == nil, let cluster = nodeLog?.cluster { batch.fence = cluster.bareFence }
        let changes = batch.tasks
        batch.tasks = changes.foldingReleases()
        batch.explanations = explanations.take()
        batch.finishedFiles += completed
        // The engine worked on an empty context where a read failed: that must not overwrite
        // the stored one. The daemon stops; a restart redoes the batch.
        try storedContexts.check()
        let staged = try delivery.stage(batch.tasks, at: engine.clock)
        let barrier = addMarks(to: &batch, staged: staged)
        try state.startCommit(InFlightCommit(
            pending: store.startCommit(batch, after: barrier), tasks: changes, staged: staged, clock: engine.clock,
            rules: engine.statistics.rules, finished: finished, tally: tally))
        completed = []
        // Lets go only of contexts unused since the previous trim: their last change is in a
        // batch already on disk, where the reads from the last commit find it (decision 0009).
        engine.trimContexts(keeping: configuration.contextCache)
        try complete(landed)
        telemetry.logNewFaults(of: engine)
    }

    /// Waits until the commit in flight is on disk, then does what that allows, in this order:
    /// publish the tasks it staged, count it, write the other tasks it made due to the outbox,
    /// let its finished files leave `cur/`. Everything that reads the store or ends the loop
    /// calls it first.
    func finishCommit() throws {
        try complete(try land())
    }

    /// ``finishCommit()`` but the last step: returns the files that may now leave `cur/`.
    /// ``commit(_:finished:tally:)`` moves them once the next commit is under way.
    private func land() throws -> [FinishedFile] {
        guard let flight = state.takeInFlight() else { return [] }
        // The store refuses a commit when its storage is no longer what it opened
        // (``StorageProblem``): that error comes out here and stops the daemon.
        let waitStarted = ContinuousClock.now
        let receipt = try flight.pending.wait()
        let waited = waitStarted.duration(to: .now)
        let published = try delivery.publish(flight.staged, receipt: receipt)
        telemetry.landed(flight, waited: waited, published: published, contextsHeld: engine.contextsHeld,
            contextReads: storedContexts.reads)
        try flushOutbox(at: flight.clock)
        heartbeat()
        return flight.finished
    }

    /// The outbox's marks (tasks staged by this commit, tasks published since the last one)
    /// and the barrier that puts on disk what they and the forgotten files (``completed``)
    /// describe.
    private func addMarks(to batch: inout Commit, staged: [String]) -> CommitBarrier? {
        let spools = Set(completed.map(\.spool))
        return delivery.mark(&batch, staged: staged,
            forgetting: inputs.filter { spools.contains($0.input.name) }.flatMap(\.spool.completionDirectories),
            at: engine.clock ?? wallClock())
    }

    /// At shutdown, after the loop: the last commit on disk, the tasks it published marked
    /// `written` (otherwise the next start would find them `staged` and log their recovery),
    /// and its files forgotten. Nothing the engine holds is committed: a file interrupted
    /// half-way is redone. Nothing of the loop may run after it.
    func settle() throws {
        if case .settled = state { return }
        try finishCommit()
        state = .settled
        guard delivery.awaitsMarks || !completed.isEmpty else { return }
        var batch = Commit(changes: StateChanges(clock: nil), finishedFiles: completed, fence: nodeLog?.cluster.bareFence)
        let barrier = addMarks(to: &batch, staged: [])
        try store.commit(batch, after: barrier)
        completed = []
    }

    /// Writes what is due at the engine's clock to the outbox (on a node, the clock of its
    /// furthest cohort: what is due there is due).
    func flushOutboxNow() throws {
        try flushOutbox(at: nodeLog?.cluster.cohorts.compactMap(\.engine.clock).max() ?? engine.clock)
    }

    private func flushOutbox(at clock: Timestamp?) throws {
        guard let clock else { return }
        telemetry.delivered(try delivery.flush(at: clock, heartbeat: heartbeat))
    }
}
