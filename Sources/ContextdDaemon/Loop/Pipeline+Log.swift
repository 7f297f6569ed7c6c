import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdSpool
import ContextdStore
import Logging

/// The loop of a node on the event log (``NodeLog``; decision 0018 §1): the same loop, with its
/// two stages apart. Ingest appends claimed files to the log and lets them go; evaluation
/// applies the log's entries after the last applied position to the engine and commits them
/// with that position, through the same group commit, delivery and outbox as a daemon alone.
///
/// Idle steps are log entries too: with the log applied and the spools drained, the node
/// appends a tick (the wall clock) and applies it, so `replay` of the export fires timers and
/// releases deferred tasks where the run did. Outcomes acked over HTTP are appended as
/// `contextd.task.outcome` events, so the export holds them as well.
extension Pipeline {
    /// One step on the log: the partitions brought in line with the assignment, up to
    /// ``NodeLog/filesPerStep`` waiting files appended, then one slice of the cohort furthest
    /// behind applied and committed. False when no file waited and the log had nothing new.
    func stepOnLog() throws -> Bool {
        try checkMembership()
        try state.beginApplying()
        try rebalance()
        let ingested = try ingestWaiting()
        if ingested { nodeLog?.cluster.heartbeat.report { $0.drained = false } }
        let applied = try applyCohortSlice()
        return ingested || applied
    }

    /// With every spool drained: outcomes into the log, the log applied to its end, and a tick
    /// when the clock lags the wall clock (at once when something is due here).
    func idleOnLog() throws {
        try checkMembership()
        try finishCommit()
        try rebalance()
        try appendOutcomes()
        while try applyCohortSlice() {}
        try finishCommit()
        if try tickIfDue() {
            while try applyCohortSlice() {}
            try finishCommit()
        }
        try flushOutboxNow()
        try pruneLogIfDue()
        guard let cluster = nodeLog?.cluster else { return }
        let deadline = try nextDeadline()
        cluster.heartbeat.report {
            $0.drained = true
            $0.position = cluster.position
            $0.nextDeadline = deadline
        }
    }

    /// Finishes what a previous process left: staged outbox files this node staged, then each
    /// file in `cur/`, appended already (it only leaves `cur/`) or appended now. Then the first
    /// heartbeat, the partitions this node should hold, and the heartbeat's thread.
    func recoverOnLog() throws {
        guard let nodeLog else { return }
        try state.beginRecovering()
        let cluster = nodeLog.cluster
        cluster.store.scopeOutbox(to: OutboxScope(node: cluster.node, incarnation: cluster.membership.incarnation, partitions: Set(0..<cluster.membership.partitions),
            count: cluster.membership.partitions))
        let recovery = Recovery(outbox: delivery.outbox, store: store, logger: logger)
        _ = try recovery.finishOutbox(at: wallClock())
        for (input, spool) in inputs {
            for name in try spool.leftovers() {
                let claim = try spool.reclaim(name)
                if case .claimed(let file) = claim, case .logged(let append) = try nodeLog.ingest.recover(file, spool: input.name) {
                    try spool.complete([file.name])
                    telemetry.filesDone(1, spool: input.name)
                    logger.notice("file left in cur/ was in the event log already; it only left cur/",
                        metadata: ["spool": "\(input.name)", "file": "\(file.name)", "appended": "\(append.appended)"])
                    continue
                }
                logger.notice("appending file left in cur/", metadata: ["spool": "\(input.name)", "file": "\(name)"])
                try ingest(claim, named: name, input: input, spool: spool)
            }
        }
        cluster.heartbeat.beat()
        try rebalance(force: true)
        cluster.heartbeat.start()
        try state.becomeIdle()
    }

    /// At a graceful stop, after ``settle()``: the heartbeat ends and the node leaves, so the
    /// others take its partitions at once rather than after the lease.
    func leaveCluster() {
        guard let cluster = nodeLog?.cluster else { return }
        cluster.logWatch?.stop()
        cluster.heartbeat.stop()
        let tally = cluster.watermarkTally
        logger.info("watermark", metadata: ["looks": "\(tally.looks)", "closed": "\(tally.closed)",
            "waited_ms": "\(tally.waited / 1_000_000)", "refreshes": "\(tally.refreshes)", "refreshing_ms": "\(tally.refreshing / 1_000_000)"])
        do {
            try cluster.store.leave(cluster.membership)
            logger.notice("left the cluster", metadata: ["node": "\(cluster.node)"])
        } catch {
            logger.warning("could not leave the cluster; its partitions go to the others when the lease ends",
                metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Ingest

    /// Appends waiting files, a round of one file per spool at a time (as ``step()`` takes
    /// them), up to ``NodeLog/filesPerStep`` files or `batch_events` items.
    private func ingestWaiting() throws -> Bool {
        guard var waiting = try waitingFiles() else { return false }
        var files = 0
        var items = 0
        rounds: while files < NodeLog.filesPerStep && items < configuration.batchEvents {
            var worked = false
            for (index, (input, spool)) in inputs.enumerated() {
                guard let name = waiting[index].popFirst() else { continue }
                worked = true
                files += 1
                items += try ingest(try spool.claim(name), named: name, input: input, spool: spool)
                if shouldStop() { break rounds }
            }
            if !worked { break }
        }
        return files > 0
    }

    /// Appends one claimed file and lets it leave `cur/`; returns the items it held. A file
    /// that cannot be read as events is rejected whole, with nothing of it appended.
    @discardableResult
    private func ingest(_ claim: Claim, named name: String, input: DaemonConfiguration.Input, spool: Spool) throws -> Int {
        guard let nodeLog else { return 0 }
        let file: ClaimedFile
        switch claim {
        case .vanished:
            return 0
        case .goneFromCur:
            logger.warning("file gone from cur/ before it was read; nothing of it is in the event log",
                metadata: ["spool": "\(input.name)", "file": "\(name)"])
            return 0
        case .rejected(let reason):
            telemetry.fileRejected(name, reason: "\(reason)", spool: input.name)
            return 0
        case .claimed(let claimed):
            file = claimed
        }
        let ingested: LogIngest.IngestedFile
        do {
            ingested = try nodeLog.ingest.ingest(file, spool: input.name, kind: input.kind, wallClock: wallClock()) { rejects in
                try spool.writeRejects(file.name, rejects.filter { !$0.late }.map(\.rejection),
                    late: rejects.filter(\.late).map(\.rejection))
            }
        } catch let error as EventFileReader.ReadError where error.isTooManyOpenFiles {
            fileDescriptorsRanOut(error, unclaiming: file.name, from: spool)
            return 0
        } catch let error as EventFileReader.ReadError where error.isMissing {
            logger.warning("file gone from cur/ before it was read; nothing of it is in the event log",
                metadata: ["spool": "\(input.name)", "file": "\(file.name)"])
            return 0
        } catch let error as EventFileReader.ReadError {
            // Not readable as events (binary, not JSON): none of it is appended, all of it rejected.
            let reason = "\(error) (nothing of the file was taken)"
            try spool.reject(file.name, reason: reason)
            telemetry.fileRejected(file.name, reason: reason, spool: input.name)
            return 0
        }
        try spool.complete([file.name])
        let rejected = ingested.rejects.count - ingested.late.count
        let events = ingested.append.appended + ingested.append.duplicates
        telemetry.read(events: events, rejected: rejected)
        telemetry.filesDone(1, spool: input.name)
        group.tally[input.name, default: StatusBoard.EventTotals()].add(StatusBoard.EventTotals(
            total: events + ingested.late.count, duplicates: ingested.append.duplicates, rejected: rejected,
            late: ingested.late.count, future: ingested.future))
        ingested.late.report(to: logger, metrics: metrics)
        let clean = ingested.rejects.isEmpty
        logger.log(level: clean ? .info : .warning, "file done", metadata: [
            "spool": "\(input.name)", "file": "\(file.name)", "events": "\(ingested.append.appended)",
            "duplicates": "\(ingested.append.duplicates)", "rejected": "\(rejected)", "late": "\(ingested.late.count)",
            "positions": "\(ingested.append.positions.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "-")",
        ])
        return ingested.items
    }

    // MARK: - Ticks

    /// Appends a tick at the wall clock when the log's clock lags it and either a timer or a
    /// deferred task of this node is due by now, or this node holds partition 0, every other live
    /// node reported its spools drained (this one is: it is idle), and no tick went for
    /// ``NodeLog/tickInterval``. True when one
    /// was appended.
    private func tickIfDue() throws -> Bool {
        guard let nodeLog, let clock = try nodeLog.log.headClock() else { return false }
        let now = wallClock()
        guard now > clock else { return false }
        let cluster = nodeLog.cluster
        let due = try nextDeadline().map { $0 <= now } ?? false
        let keeper = cluster.partitions.contains(0)
            && (cluster.heartbeat.latest?.nodes.filter { $0.isLive && $0.id != cluster.node }.allSatisfy(\.drained) ?? true)
            && (nodeLog.lastTick.map { now - $0 >= NodeLog.tickInterval } ?? true)
        guard due || keeper else { return false }
        _ = try nodeLog.log.appendTick(at: now)
        self.nodeLog?.lastTick = now
        return true
    }

    /// `cluster.log_retention`: the holder of partition 0, once a ``NodeLog/pruneInterval``,
    /// removes the entries every partition applied that are older than the retention in the
    /// log's clock (one node does it, so the nodes do not queue on the same rows).
    private func pruneLogIfDue() throws {
        guard let nodeLog, let retention = configuration.cluster?.logRetention, nodeLog.cluster.partitions.contains(0)
        else { return }
        let now = wallClock()
        if let last = nodeLog.lastPrune, now - last < NodeLog.pruneInterval { return }
        self.nodeLog?.lastPrune = now
        guard let clock = try nodeLog.log.headClock() else { return }
        let removed = try nodeLog.log.pruneLog(before: clock - retention)
        if removed > 0 {
            logger.info("event log pruned", metadata: ["entries": "\(removed)", "before": "\((clock - retention).rfc3339)"])
        }
    }

    /// Outcomes acked over HTTP, appended to the log as `contextd.task.outcome` events (so
    /// the export holds them) and forgotten by a commit. A crash between the two appends them
    /// again under the same file record, which adds nothing.
    private func appendOutcomes() throws {
        guard let nodeLog else { return }
        while true {
            let pending = try store.pendingOutcomes(limit: 1000)
            if pending.isEmpty { return }
            let events = pending.compactMap(\.event).map { LoggedEvent(event: $0, text: $0.jsonLine) }
            let first = pending.first!.seq, last = pending.last!.seq
            let record = LoggedFile(node: nodeLog.cluster.node, spool: "contextd.outcomes", name: "outcomes-\(first)-\(last)",
                digest: FileDigest.of(text: events.map(\.text).joined(separator: "\n")))
            _ = try nodeLog.log.append(record, events: events)
            try commit(Commit(changes: StateChanges(clock: nil), appliedOutcomes: pending.map(\.seq)))
            try finishCommit()
            logger.info("outcomes appended to the event log", metadata: ["count": "\(pending.count)"])
        }
    }
}
