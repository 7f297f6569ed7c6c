import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdReplay
import ContextdSpool
import ContextdStore
import Logging

/// The daemon's work, done by one thread of control: claim a spool file, apply its events in
/// bounded slices, commit each slice with its progress, write what became due to the outbox,
/// and only then let the file leave `cur/`.
///
/// Every decision that matters for exactly-once lives here, in this order:
/// 1. a slice's effects and "the file got this far" are one transaction;
/// 2. the outbox is written from committed tasks only (see ``FileOutbox``);
/// 3. the file moves to `done/` (or is deleted) after its last slice is committed, and its
///    progress is forgotten after that; so a crash at any point redoes at most one slice,
///    whose events the store has not seen.
final class Pipeline {
    let configuration: DaemonConfiguration
    let store: SQLiteStore
    let outbox: FileOutbox
    let inputs: [(input: DaemonConfiguration.Input, spool: Spool)]
    private(set) var engine: Engine
    var logger: Logger
    /// Asked between slices: true once a shutdown was requested.
    let shouldStop: @Sendable () -> Bool
    /// Called after every commit (the systemd watchdog).
    var heartbeat: () -> Void = {}
    private(set) var counters = PipelineCounters()
    private var faultsLogged = 0
    private let explanations: TaskExplanations
    private var lastPrune: Timestamp?
    /// Wakes HTTP long polls when tasks are queued for them.
    let signal: TaskSignal
    let metrics: DaemonMetrics
    /// The engine's per-rule statistics at the last commit, so metrics count the growth.
    private var ruleStatisticsAtCommit: [String: RuleStatistics] = [:]

    init(configuration: DaemonConfiguration, ruleSet: RuleSet, store: SQLiteStore, signal: TaskSignal,
        metrics: DaemonMetrics, logger: Logger, shouldStop: @escaping @Sendable () -> Bool) throws
    {
        self.configuration = configuration
        self.logger = logger
        self.shouldStop = shouldStop
        self.store = store
        self.signal = signal
        self.metrics = metrics
        engine = Engine(ruleSet: ruleSet, dedupRetention: configuration.dedupRetention, restoring: try store.snapshot())
        engine.recordsChanges = true
        engine.monotonicClock = MonotonicClock.nanoseconds
        explanations = TaskExplanations(scorers: ruleSet.scorers)
        engine.observer = explanations
        ruleStatisticsAtCommit = engine.statistics.rules
        metrics.engineClock(engine.clock)
        outbox = try FileOutbox(directory: configuration.outbox)
        inputs = try configuration.inputs.map { input in
            (input, try Spool(name: input.name, directory: input.path, onDone: input.onDone == .delete ? .delete : .move))
        }
    }

    /// Swaps the rule set between two events (the loop calls it between files).
    func replace(ruleSet: RuleSet) {
        engine.replace(ruleSet: ruleSet)
        explanations.scorers = ruleSet.scorers
    }

    /// Finishes what a previous process left: staged outbox files, then files in `cur/`.
    /// False when a shutdown interrupted it.
    func recover() throws -> Bool {
        let finished = try outbox.recover(store: store, at: WallClock.now())
        if finished > 0 { logger.notice("outbox recovered", metadata: ["tasks": "\(finished)"]) }
        for (input, spool) in inputs {
            let leftovers = try spool.leftovers()
            let progress = try store.progress(spool: input.name)
            let stale = progress.keys.filter { !leftovers.contains($0) }.map { (spool: input.name, file: $0) }
            if !stale.isEmpty { try commit(Commit(changes: engine.takeChanges(), finishedFiles: stale)) }
            for name in leftovers {
                logger.notice("redoing file left in cur/", metadata: ["spool": "\(input.name)", "file": "\(name)"])
                let claim = try spool.reclaim(name)
                if try process(claim, named: name, input: input, spool: spool, progress: progress[name]) == .interrupted {
                    return false
                }
            }
        }
        return true
    }

    /// One fair round: the first waiting file of each spool, in configuration order, so a
    /// flood in one spool delays another by at most one file per round. False when every
    /// spool was drained.
    func step() throws -> Bool {
        var worked = false
        for (input, spool) in inputs {
            guard let name = try spool.waiting().first else { continue }
            worked = true
            if try process(try spool.claim(name), named: name, input: input, spool: spool, progress: nil) == .interrupted {
                return true
            }
            if shouldStop() { return true }
        }
        return worked
    }

    /// With every spool drained: the clock follows the wall clock (SPEC §2), due timers fire,
    /// due tasks go out, old dedup records are forgotten.
    func idle() throws {
        try applyOutcomes()
        let now = WallClock.now()
        if let clock = engine.clock, now > clock {
            let tasks = engine.advance(to: now)
            try commit(Commit(changes: engine.takeChanges(), tasks: tasks))
        } else {
            try flushOutbox()
        }
        if let clock = engine.clock, lastPrune.map({ now - $0 >= .hours(1) }) ?? true {
            lastPrune = now
            let forgotten = try store.forgetSeenEvents(before: clock - configuration.dedupRetention)
            if forgotten > 0 { logger.info("dedup records past retention forgotten", metadata: ["count": "\(forgotten)"]) }
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
            let pending = try store.pendingOutcomes(limit: 1000)
            if pending.isEmpty { return }
            var tasks: [TaskChange] = []
            for outcome in pending {
                // Stored outcomes were checked when acked; an unknown word (a newer version's) is skipped.
                guard let kind = TaskOutcome.Outcome(rawValue: outcome.outcome) else { continue }
                let event = TaskOutcome(
                    task: outcome.task, rule: outcome.rule, subject: outcome.subject, assignee: outcome.assignee,
                    outcome: kind, note: outcome.note ?? "", time: outcome.time
                ).event
                tasks += engine.apply(event)
            }
            try commit(Commit(changes: engine.takeChanges(), tasks: tasks, appliedOutcomes: pending.map(\.seq)))
            logger.info("outcomes applied", metadata: ["count": "\(pending.count)"])
        }
    }

    /// When the loop must wake up at the latest: the next timer or the next deferred task.
    func nextDeadline() throws -> Timestamp? {
        let clock = engine.clock ?? WallClock.now()
        return [engine.nextTimer, try store.nextDue(after: clock)].compactMap { $0 }.min()
    }

    enum Outcome { case done, interrupted }

    private func process(
        _ claim: Claim, named name: String, input: DaemonConfiguration.Input, spool: Spool, progress: FileProgress?
    ) throws -> Outcome
    {
        let file: ClaimedFile
        switch claim {
        case .vanished:
            return .done
        case .rejected(let reason):
            counters.filesRejected += 1
            metrics.count("contextd_files_rejected_total", [("input", input.name)])
            logger.warning("file rejected", metadata: ["spool": "\(input.name)", "file": "\(name)", "reason": "\(reason)"])
            return .done
        case .claimed(let claimed):
            file = claimed
        }
        if progress?.finished == true {
            try finish(file.name, input: input, spool: spool)
            return .done
        }
        let reader = EventFileReader(
            path: file.path, format: file.format, decoder: EventDecoder(defaultKind: input.kind),
            maxLineBytes: configuration.maxLineBytes)!
        var slice = Slice(input: input.name, file: file.name, items: progress?.items ?? 0)
        slice.duplicatesBefore = engine.statistics.duplicates
        let skip = slice.items
        var seen = 0
        let before = engine.statistics
        do {
            try reader.forEach { item in
                seen += 1
                guard seen > skip else { return }
                slice.items += 1
                switch item {
                case .event(let event, _):
                    counters.events += 1
                    slice.events += 1
                    slice.tasks += engine.apply(event)
                case .rejected(let rejection):
                    counters.rejectedEvents += 1
                    slice.rejects.append(rejection)
                }
                slice.size += 1
                if slice.size >= configuration.batchEvents {
                    try commit(&slice, finished: false)
                    if shouldStop() { throw Interrupted() }
                }
            }
        } catch is Interrupted {
            logger.notice("file interrupted by shutdown; it goes on at the next start",
                metadata: ["spool": "\(input.name)", "file": "\(file.name)", "items": "\(slice.items)"])
            return .interrupted
        } catch let error as EventFileReader.ReadError {
            // Not readable as events (binary, not JSON): what was read so far stays applied.
            try commit(&slice, finished: false)
            try spool.writeRejects(file.name, try store.rejects(spool: input.name, file: file.name))
            let reason = "\(error)" + (slice.items > 0 ? " (the \(slice.items) lines or elements before were taken)" : "")
            try spool.reject(file.name, reason: reason)
            try commit(Commit(changes: engine.takeChanges(), finishedFiles: [(input.name, file.name)]))
            counters.filesRejected += 1
            metrics.count("contextd_files_rejected_total", [("input", input.name)])
            logger.warning("file rejected", metadata: ["spool": "\(input.name)", "file": "\(file.name)",
                "reason": "\(reason)"])
            return .done
        }
        try commit(&slice, finished: true)
        try finish(file.name, input: input, spool: spool)
        let after = engine.statistics
        logger.info("file done", metadata: [
            "spool": "\(input.name)", "file": "\(file.name)", "events": "\(after.events - before.events)",
            "duplicates": "\(after.duplicates - before.duplicates)", "rejected": "\(slice.rejectedTotal)",
            "tasks": "\(after.tasksCreated - before.tasksCreated)",
        ])
        return .done
    }

    private struct Interrupted: Error {}

    /// The part of a file applied since the last commit.
    private struct Slice {
        var input: String
        var file: String
        /// Items of the file applied, including those committed before.
        var items: Int
        var size = 0
        /// Events read in this slice (valid ones, duplicates included, as `replay --stats`
        /// counts `events`) and, at its start, the engine's
        /// duplicate count, for the per-input metrics.
        var events = 0
        var duplicatesBefore = 0
        var tasks: [TaskChange] = []
        var rejects: [EventRejection] = []
        var rejectedTotal = 0
    }

    private func commit(_ slice: inout Slice, finished: Bool) throws {
        let duplicates = engine.statistics.duplicates - slice.duplicatesBefore
        try commit(Commit(
            changes: engine.takeChanges(), tasks: slice.tasks,
            progress: FileProgress(spool: slice.input, file: slice.file, items: slice.items, finished: finished),
            rejects: slice.rejects))
        let input = [("input", slice.input)]
        metrics.count("contextd_events_total", input, by: slice.events)
        metrics.count("contextd_events_duplicate_total", input, by: duplicates)
        metrics.count("contextd_events_rejected_total", input, by: slice.rejects.count)
        slice.events = 0
        slice.duplicatesBefore = engine.statistics.duplicates
        slice.rejectedTotal += slice.rejects.count
        slice.tasks.removeAll(keepingCapacity: true)
        slice.rejects.removeAll(keepingCapacity: true)
        slice.size = 0
    }

    private func commit(_ batch: Commit) throws {
        var batch = batch
        batch.explanations = explanations.take()
        try store.commit(batch)
        counters.tasksCreated += batch.tasks.count { if case .created = $0 { true } else { false } }
        metrics.record(batch.tasks)
        metrics.record(rules: engine.statistics.rules, since: ruleStatisticsAtCommit)
        ruleStatisticsAtCommit = engine.statistics.rules
        metrics.engineClock(engine.clock)
        logNewFaults()
        try flushOutbox()
        heartbeat()
    }

    /// Rule and policy expressions that failed at run time (counted as false) since the last
    /// commit: an operator must see them, since `check` cannot catch every one.
    private func logNewFaults() {
        let total = engine.statistics.evaluationErrors
        guard total > faultsLogged else { return }
        let new = total - faultsLogged
        for fault in engine.faults.suffix(min(new, 20)) {
            logger.error("rule evaluation failed", metadata: [
                "rule": "\(fault.rule)", "event": "\(fault.eventID ?? "-")", "error": "\(fault.message)",
            ])
        }
        if new > 20 { logger.error("more rule evaluations failed", metadata: ["count": "\(new - 20)"]) }
        faultsLogged = total
    }

    /// The last slice is committed: write the rejects file, let the file leave `cur/`, forget it.
    private func finish(_ name: String, input: DaemonConfiguration.Input, spool: Spool) throws {
        try spool.writeRejects(name, try store.rejects(spool: input.name, file: name))
        try spool.complete(name)
        try commit(Commit(changes: engine.takeChanges(), finishedFiles: [(input.name, name)]))
        counters.files += 1
        metrics.count("contextd_files_total", [("input", input.name)])
    }

    private func flushOutbox() throws {
        guard let clock = engine.clock else { return }
        let queued = try store.queueDueTasks(assigneePrefixes: configuration.http.assignees, at: clock)
        if queued > 0 {
            metrics.count("contextd_tasks_queued_total", by: queued)
            signal.ring()
        }
        let result = try outbox.flush(store: store, clock: clock, heartbeat: heartbeat)
        counters.tasksWritten += result.written
        counters.tasksExpired += result.expired
        metrics.count("contextd_tasks_written_total", by: result.written)
        metrics.count("contextd_tasks_expired_total", by: result.expired)
        if result.expired > 0 { logger.notice("tasks expired undelivered", metadata: ["count": "\(result.expired)"]) }
    }
}

/// What the daemon has done since it started, for logs and (later) metrics.
struct PipelineCounters {
    var files = 0
    var filesRejected = 0
    var events = 0
    var rejectedEvents = 0
    var tasksCreated = 0
    var tasksWritten = 0
    var tasksExpired = 0
}
