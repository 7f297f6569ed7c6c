import ContextdEngine
import ContextdEvents
import ContextdStore
import Logging

/// What the loop tells operators about its work: the metrics, the status board behind
/// `/v1/status`, the counters of the `stopped` line, and the log lines about files, faults and
/// tasks that expired. Apart from the loop so that the loop holds the decisions and this the
/// words; everything here runs per file, per slice or per commit, never per event.
final class LoopTelemetry {
    let metrics: DaemonMetrics
    /// What `/v1/status` shows of the loop's work, brought up to date per file and per commit.
    let board: StatusBoard
    let logger: Logger
    /// The wall clock the loop reads (tests set it).
    let wallClock: @Sendable () -> Timestamp
    private(set) var counters = PipelineCounters()
    /// Rule evaluation failures already logged.
    private var faultsLogged = 0
    /// Context reads back from the store already counted.
    private var contextReadsCounted = 0
    /// The engine's per-rule statistics at the last commit, so metrics count the growth.
    private var ruleStatisticsAtCommit: [String: RuleStatistics]

    init(metrics: DaemonMetrics, logger: Logger, wallClock: @escaping @Sendable () -> Timestamp,
        rules: [String: RuleStatistics], clock: Timestamp?)
    {
        self.metrics = metrics
        self.logger = logger
        self.wallClock = wallClock
        board = StatusBoard(startedAt: wallClock())
        ruleStatisticsAtCommit = rules
        metrics.engineClock(clock)
    }

    /// A spool file rejected whole (unreadable, not a spool file name): counted and said.
    func fileRejected(_ name: String, reason: String, spool: String) {
        counters.filesRejected += 1
        metrics.count("contextd_files_rejected_total", [("input", spool)])
        board.fileRejected(name, reason: reason, spool: spool, at: wallClock())
        logger.warning("file rejected", metadata: ["spool": "\(spool)", "file": "\(name)", "reason": "\(reason)"])
    }

    /// Files of a spool that left `cur/` after their last items were committed.
    func filesDone(_ count: Int, spool: String) {
        counters.files += count
        board.filesDone(count, spool: spool, at: wallClock())
        metrics.count("contextd_files_total", [("input", spool)], by: count)
    }

    /// Lines or elements read since the last tally of a file (per slice, not per event).
    func read(events: Int, rejected: Int) {
        counters.events += events
        counters.rejectedEvents += rejected
    }

    /// A commit is durable and `published` of its tasks are in `new/`: count what it held,
    /// and how long it took (`waited`: the loop's wait for it).
    func landed(_ flight: InFlightCommit, waited: Duration, published: Int, contextsHeld: Int, contextReads: Int) {
        metrics.commitLanded(took: flight.pending.duration, waited: waited)
        counters.tasksWritten += published
        metrics.count("contextd_tasks_written_total", by: published)
        metrics.set("contextd_contexts_in_memory", to: Double(contextsHeld))
        metrics.count("contextd_context_reads_total", by: contextReads - contextReadsCounted)
        contextReadsCounted = contextReads
        metrics.record(flight.tasks)
        // One pass: the board's chart counts every task a rule created, expired on arrival or
        // not (as `contextd_tasks_created_total` and the engine's `tasksCreated`); the log names
        // the expired ones.
        var created = 0
        var expiredOnArrival: [String] = []
        for change in flight.tasks {
            switch change {
            case .created: created += 1
            case .expiredOnArrival(let task):
                created += 1
                expiredOnArrival.append(task.id)
            case .released, .suppressed: break
            }
        }
        noteExpiredOnArrival(expiredOnArrival)
        metrics.record(rules: flight.rules, since: ruleStatisticsAtCommit)
        ruleStatisticsAtCommit = flight.rules
        metrics.engineClock(flight.clock)
        var events = StatusBoard.EventTotals()
        for (input, tally) in flight.tally {
            metrics.count("contextd_events_total", [("input", input)], by: tally.total)
            metrics.count("contextd_events_duplicate_total", [("input", input)], by: tally.duplicates)
            metrics.count("contextd_events_rejected_total", [("input", input)], by: tally.rejected)
            events.add(tally)
        }
        board.committed(events: events, tasksCreated: created, clock: flight.clock, rules: flight.rules, at: wallClock())
    }

    /// What a flush queued, wrote and expired.
    func delivered(_ counts: DeliveryCounts) {
        if counts.queued > 0 { metrics.count("contextd_tasks_queued_total", by: counts.queued) }
        counters.tasksWritten += counts.written
        counters.tasksExpired += counts.expired
        metrics.count("contextd_tasks_written_total", by: counts.written)
        metrics.count("contextd_tasks_expired_total", by: counts.expired)
        if counts.expired > 0 { logger.notice("tasks expired undelivered", metadata: ["count": "\(counts.expired)"]) }
    }

    /// Decisions a node of several made across partitions (``EngineStatistics/crossingReleases``):
    /// how an operator, and the cluster tests, see that the watermark had work to do.
    func crossings(releases: Int, contactDecisions: Int) {
        if releases > 0 { metrics.count("contextd_partition_crossings_total", [("kind", "release")], by: releases) }
        if contactDecisions > 0 {
            metrics.count("contextd_partition_crossings_total", [("kind", "contact_cap")], by: contactDecisions)
        }
    }

    /// Only the engine's clock moved (no commit for that).
    func clockMoved(to clock: Timestamp?) {
        metrics.engineClock(clock)
        board.clockMoved(to: clock)
    }

    /// Rule and policy expressions that failed at run time (counted as false) since the last
    /// commit: an operator must see them, since `check` cannot catch every one.
    func logNewFaults(of engine: Engine) {
        let total = engine.statistics.evaluationErrors
        guard total > faultsLogged else { return }
        let new = total - faultsLogged
        board.faults(engine.faults.suffix(new), at: wallClock())
        for fault in engine.faults.suffix(min(new, 20)) {
            logger.error("rule evaluation failed", metadata: [
                "rule": "\(fault.rule)", "event": "\(fault.eventID ?? "-")", "error": "\(fault.message)",
            ])
        }
        if new > 20 { logger.error("more rule evaluations failed", metadata: ["count": "\(new - 20)"]) }
        faultsLogged = total
    }

    /// The loop works with another engine from now on (a node of a cluster has one per group
    /// of partitions at one log position): count that engine's growth from where it is, since
    /// what it did before was counted with its own commits.
    func switched(to engine: Engine) {
        ruleStatisticsAtCommit = engine.statistics.rules
        faultsLogged = engine.statistics.evaluationErrors
    }

    /// Tasks a rule created already expired (a late event's, say): kept in the store as
    /// expired, counted and said, never dropped without a word.
    private func noteExpiredOnArrival(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        counters.tasksExpired += ids.count
        logger.notice("tasks expired on arrival", metadata: [
            "count": "\(ids.count)", "tasks": "\(ids.prefix(10).joined(separator: ","))\(ids.count > 10 ? ",…" : "")",
            "reason": "expires_at had passed on the engine's clock when the rule created them",
        ])
    }
}

/// What the daemon has done since it started, for logs and (later) metrics.
struct PipelineCounters {
    var files = 0
    var filesRejected = 0
    var events = 0
    var rejectedEvents = 0
    var tasksWritten = 0
    var tasksExpired = 0
}
