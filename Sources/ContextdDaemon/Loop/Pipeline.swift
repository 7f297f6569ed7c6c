import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdReplay
import ContextdSpool
import ContextdStore
import Dispatch
import Logging
import Synchronization

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
/// 2. the outbox is written from committed tasks only (see ``FileOutbox``);
/// 3. the files move to `done/` (or are deleted) after the commit that finished them, and
///    their progress is forgotten in the next commit; so a crash at any point redoes at most
///    one uncommitted group, whose events the store has not seen.
final class Pipeline {
    let configuration: DaemonConfiguration
    let store: SQLiteStore
    let outbox: FileOutbox
    let inputs: [(input: DaemonConfiguration.Input, spool: Spool)]
    private(set) var engine: Engine
    /// Where the engine reads back the contexts it let go of; a failed read stops the commit.
    private let storedContexts: StoredContexts
    private var contextReadsCounted = 0
    var logger: Logger
    /// Asked between slices: true once a shutdown was requested.
    let shouldStop: @Sendable () -> Bool
    /// Called after every commit (the systemd watchdog).
    var heartbeat: () -> Void = {}
    /// Called after every event of a file: where a requested rule reload happens without
    /// waiting for the rest of the file (the engine swaps rules between two events).
    var betweenEvents: (Pipeline) -> Void = { _ in }
    private(set) var counters = PipelineCounters()
    private var faultsLogged = 0
    /// Times the loop ran out of file descriptors, and when it last said so (rate-limited).
    var fileDescriptorShortage = FileDescriptorShortage()
    private let explanations: TaskExplanations
    private var lastPrune: Timestamp?
    /// Wakes HTTP long polls when tasks are queued for them.
    let signal: TaskSignal
    let metrics: DaemonMetrics
    /// The engine's per-rule statistics at the last commit, so metrics count the growth.
    private var ruleStatisticsAtCommit: [String: RuleStatistics] = [:]
    /// What was applied since the last commit.
    private var group = Group()
    /// Files moved out of `cur/` whose progress the next commit forgets.
    private var completed: [(spool: String, file: String)] = []
    /// The commit on the store's writer, and what may happen once it is on disk.
    private var inFlight: InFlightCommit?
    /// Tasks whose files were renamed into the outbox's `new/` since the last commit: the next
    /// commit marks them `written` (decision 0010).
    private var published: [String] = []
    /// The wall clock, read here only: the clock follows it when every spool is drained, and
    /// events further ahead of it than `limits.max_future_skew` are rejected. Tests set it.
    let wallClock: @Sendable () -> Timestamp
    /// What `/v1/status` shows of the loop's work, brought up to date per file and per commit.
    let board: StatusBoard

    init(configuration: DaemonConfiguration, ruleSet: RuleSet, store: SQLiteStore, signal: TaskSignal,
        metrics: DaemonMetrics, logger: Logger, shouldStop: @escaping @Sendable () -> Bool,
        wallClock: @escaping @Sendable () -> Timestamp = { WallClock.now() }) throws
    {
        self.configuration = configuration
        self.wallClock = wallClock
        board = StatusBoard(startedAt: wallClock())
        self.logger = logger
        self.shouldStop = shouldStop
        self.store = store
        self.signal = signal
        self.metrics = metrics
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
        ruleStatisticsAtCommit = engine.statistics.rules
        metrics.engineClock(engine.clock)
        outbox = try FileOutbox(directory: configuration.outbox)
        inputs = try configuration.inputs.map { input in
            (input, try Spool(name: input.name, directory: input.path, onDone: input.onDone == .delete ? .delete : .move))
        }
    }

    /// Swaps the rule set between two events (the loop calls it between files).
    func replace(ruleSet: RuleSet) {
        let retired = RetiredRuleSet(engine.ruleSet)
        engine.replace(ruleSet: ruleSet)
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

    /// Finishes what a previous process left: staged outbox files, then files in `cur/`.
    /// False when a shutdown interrupted it.
    func recover() throws -> Bool {
        let finished = try outbox.recover(store: store, at: wallClock())
        if finished > 0 { logger.notice("outbox recovered", metadata: ["tasks": "\(finished)"]) }
        for (input, spool) in inputs {
            let leftovers = try spool.leftovers()
            let progress = try store.progress(spool: input.name)
            for (name, file) in progress where !file.finished && !leftovers.contains(name) {
                // Moved or deleted out of cur/ while the daemon was down: what was not applied is lost.
                logger.warning("file gone from cur/ before it was finished; the rest of it was never applied",
                    metadata: ["spool": "\(input.name)", "file": "\(name)", "items_applied": "\(file.items)"])
            }
            completed += progress.keys.filter { !leftovers.contains($0) }.map { (spool: input.name, file: $0) }
            for name in leftovers {
                logger.notice("redoing file left in cur/", metadata: ["spool": "\(input.name)", "file": "\(name)"])
                let claim = try spool.reclaim(name)
                if try process(claim, named: name, input: input, spool: spool, progress: progress[name]) == .interrupted {
                    return false
                }
            }
        }
        try commitGroup()
        try finishCommit()
        return true
    }

    /// Applies and commits one group: rounds of the first waiting file of each spool, in
    /// configuration order, so a flood in one spool delays another by at most one file per
    /// round; rounds go on until the group holds `batch_events` events or
    /// ``maximumGroupFiles`` files, or nothing waits. False when every spool was drained.
    /// The group's commit may still be in flight when it returns (``finishCommit()``).
    func step() throws -> Bool {
        guard var waiting = try waitingFiles() else { return false }
        guard waiting.contains(where: { !$0.isEmpty }) else { return false }
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
        try finishCommit()
        try applyOutcomes()
        let now = wallClock()
        if let clock = engine.clock, now > clock {
            let tasks = engine.advance(to: now)
            let changes = engine.takeChanges()
            if tasks.isEmpty && changes.isEmpty && completed.isEmpty && published.isEmpty {
                // Only the clock moved: no commit (and no disk flush) for that. The next commit
                // stores it; a restart before then starts from the older clock and moves it again.
                metrics.engineClock(engine.clock)
                board.clockMoved(to: engine.clock)
                try flushOutbox(at: engine.clock)
            } else {
                try commit(Commit(changes: changes, tasks: tasks))
                try finishCommit()
            }
        } else {
            try flushOutbox(at: engine.clock)
        }
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
        try finishCommit()
        let clock = engine.clock ?? wallClock()
        return [engine.nextTimer, try store.nextDue(after: clock)].compactMap { $0 }.min()
    }

    enum Outcome { case done, interrupted }

    /// Applies a claimed file to the engine; its effects join ``group`` (committed in slices
    /// of `batch_events` when the file is large).
    private func process(
        _ claim: Claim, named name: String, input: DaemonConfiguration.Input, spool: Spool, progress: FileProgress?
    ) throws -> Outcome
    {
        let file: ClaimedFile
        switch claim {
        case .vanished:
            return .done
        case .goneFromCur:
            goneBeforeRead(name, input: input.name, applied: progress?.items ?? 0)
            return .done
        case .rejected(let reason):
            counters.filesRejected += 1
            metrics.count("contextd_files_rejected_total", [("input", input.name)])
            board.fileRejected(name, reason: "\(reason)", spool: input.name, at: wallClock())
            logger.warning("file rejected", metadata: ["spool": "\(input.name)", "file": "\(name)", "reason": "\(reason)"])
            return .done
        case .claimed(let claimed):
            file = claimed
        }
        if progress?.finished == true {
            group.finished.append(FinishedFile(
                input: input.name, spool: spool, name: file.name, items: progress?.items ?? 0, rejectsStored: true,
                summary: nil))
            return .done
        }
        var reader = EventFileReader(
            path: file.path, format: file.format, decoder: EventDecoder(defaultKind: input.kind),
            maxLineBytes: configuration.maxLineBytes)!
        reader.timeLimits = .daemon(wallClock: wallClock(), maxFutureSkew: configuration.maxFutureSkew,
            clock: engine.clock, allowedLateness: configuration.allowedLateness)
        let skip = progress?.items ?? 0
        group.current = FileProgress(spool: input.name, file: file.name, items: skip, finished: false)
        board.reading(file.name, spool: input.name, done: skip)
        defer { board.stoppedReading(spool: input.name) }
        var seen = 0
        var rejected = 0
        var future = 0
        var late = LateEvents(spool: input.name, file: file.name, allowedLateness: configuration.allowedLateness)
        let before = engine.statistics
        // What of this file is already in the group's tally: counted from the engine's
        // statistics when a slice commits or the file ends, not per event.
        var tallied = (statistics: before, rejected: 0, future: 0, late: 0)
        func tally() {
            let now = engine.statistics
            let duplicates = now.duplicates - tallied.statistics.duplicates
            let events = now.events - tallied.statistics.events + duplicates
            group.tally[input.name, default: StatusBoard.EventTotals()].add(StatusBoard.EventTotals(
                total: events, duplicates: duplicates, rejected: rejected - tallied.rejected,
                late: late.count - tallied.late, future: future - tallied.future))
            counters.events += events
            counters.rejectedEvents += rejected - tallied.rejected
            group.current?.items = seen
            board.progress(seen, spool: input.name)
            tallied = (now, rejected, future, late.count)
        }
        do {
            try reader.forEach { item in
                seen += 1
                guard seen > skip else { return }
                switch item {
                case .event(let event, _):
                    group.tasks += engine.apply(event)
                    betweenEvents(self)
                case .eventWithText(let event, let line, let text):
                    if engine.isBeyondLateness(event.time) {
                        group.rejects.append(late.setAside(event, line: line, text: text, clock: engine.clock))
                    }
                    group.tasks += engine.apply(event)  // counts it as late, or applies it
                    betweenEvents(self)
                case .rejected(let rejection):
                    rejected += 1
                    if rejection.kind == .future { future += 1 }
                    group.rejects.append(FileReject(spool: input.name, file: file.name, rejection: rejection))
                }
                group.items += 1
                // A stop is noticed between two events, not only between slices: a slice of
                // heavy events may take longer than systemd waits. What was applied is
                // committed with the file's progress, and the file goes on from there.
                let stopping = shouldStop()
                if group.items >= configuration.batchEvents || stopping {
                    tally()
                    try commitGroup()
                    if stopping || shouldStop() { throw Interrupted() }
                }
            }
        } catch is Interrupted {
            group.current = nil
            logger.notice("file interrupted by shutdown; it goes on at the next start",
                metadata: ["spool": "\(input.name)", "file": "\(file.name)", "items": "\(seen)"])
            return .interrupted
        } catch let error as EventFileReader.ReadError where error.isTooManyOpenFiles && progress == nil {
            // Nothing of it was read: it goes back to new/ and is taken again in a later round.
            group.current = nil
            fileDescriptorsRanOut(error, unclaiming: file.name, from: spool)
            return .done
        } catch let error as EventFileReader.ReadError where error.isMissing && seen == 0 {
            group.current = nil
            goneBeforeRead(file.name, input: input.name, applied: progress?.items ?? 0)
            return .done
        } catch let error as EventFileReader.ReadError {
            // Not readable as events (binary, not JSON): what was read so far stays applied.
            tally()
            try commitGroup()
            try finishCommit()
            group.current = nil
            try writeRejects(of: file.name, input: input.name, spool: spool)
            let reason = "\(error)" + (seen > 0 ? " (the \(seen) lines or elements before were taken)" : "")
            try spool.reject(file.name, reason: reason)
            completed.append((input.name, file.name))
            counters.filesRejected += 1
            metrics.count("contextd_files_rejected_total", [("input", input.name)])
            board.fileRejected(file.name, reason: reason, spool: input.name, at: wallClock())
            logger.warning("file rejected", metadata: ["spool": "\(input.name)", "file": "\(file.name)",
                "reason": "\(reason)"])
            return .done
        }
        tally()
        let after = engine.statistics
        late.report(to: logger, metrics: metrics)
        group.finished.append(FinishedFile(
            input: input.name, spool: spool, name: file.name, items: seen,
            rejectsStored: progress != nil || rejected > 0 || late.count > 0,
            summary: [
                "spool": "\(input.name)", "file": "\(file.name)", "events": "\(after.events - before.events)",
                "duplicates": "\(after.duplicates - before.duplicates)", "rejected": "\(rejected)",
                "late": "\(late.count)", "tasks": "\(after.tasksCreated - before.tasksCreated)",
            ]))
        group.current = nil
        return .done
    }

    private struct Interrupted: Error {}

    /// What was applied since the last commit: whole files and, when a large file is cut into
    /// slices, the part of the file in hand.
    private struct Group {
        var tasks: [TaskChange] = []
        var rejects: [FileReject] = []
        /// Files read to their end, in the order they were read.
        var finished: [FinishedFile] = []
        /// The file being read, and how far (brought up to date before each commit): its items
        /// are in this group or committed before.
        var current: FileProgress?
        /// Lines or elements applied (events, duplicates and rejects alike).
        var items = 0
        /// Per input, for the metrics and the status board.
        var tally: [String: StatusBoard.EventTotals] = [:]
    }

    /// A file whose every item is applied; it leaves `cur/` once they are committed.
    private struct FinishedFile {
        var input: String
        var spool: Spool
        var name: String
        var items: Int
        /// Whether the store may hold rejects of it (this run's or a previous process's).
        var rejectsStored: Bool
        /// The `file done` log line; nil for a file a previous process had finished.
        var summary: Logger.Metadata?
    }

    /// Commits the group with each file's progress, then lets its finished files leave `cur/`.
    private func commitGroup() throws {
        guard group.items > 0 || !group.finished.isEmpty || group.current != nil || !completed.isEmpty else { return }
        var progress = group.finished.map {
            FileProgress(spool: $0.input, file: $0.name, items: $0.items, finished: true)
        }
        if let current = group.current { progress.append(current) }
        try commit(Commit(changes: engine.takeChanges(), tasks: group.tasks, progress: progress, rejects: group.rejects),
            finished: group.finished, tally: group.tally)
        group = Group(current: group.current)
    }

    /// A file moved or deleted out of `cur/` between its claim and its open: nothing of it was
    /// read in this process; what an earlier one applied (`applied` items) stays, and its
    /// progress is forgotten with the next commit.
    private func goneBeforeRead(_ name: String, input: String, applied: Int) {
        completed.append((input, name))
        logger.warning("file gone from cur/ before it was read; what it held was never applied",
            metadata: ["spool": "\(input)", "file": "\(name)", "items_applied": "\(applied)"])
    }

    /// Hands the spool what the store holds of a file's rejected lines and late events, to go to
    /// `rejected/` beside it.
    private func writeRejects(of file: String, input: String, spool: Spool) throws {
        try spool.writeRejects(file, try store.rejects(spool: input, file: file),
            late: try store.lateEvents(spool: input, file: file))
    }

    /// The files' last items are committed: write their rejects files, let them leave `cur/`
    /// (one directory flush per spool for the whole group), forget them in the next commit.
    private func complete(_ files: [FinishedFile]) throws {
        guard !files.isEmpty else { return }
        for (input, spool) in inputs {
            let names = files.filter { $0.input == input.name }
            guard !names.isEmpty else { continue }
            // Someone moved or deleted a file out of cur/ while it was read: the open descriptor
            // still read it to its end, so all of it is applied; it only cannot go to done/.
            let present = names.filter { file in
                if spool.isClaimed(file.name) { return true }
                logger.warning("file left cur/ while it was read; all of it was read and applied, but it is not in done/",
                    metadata: ["spool": "\(input.name)", "file": "\(file.name)", "items": "\(file.items)"])
                return false
            }
            // A file read whole in this process without a reject has none waiting: no look into tmp/
            // (a producer writing there holds its lock).
            for file in present where file.rejectsStored {
                try writeRejects(of: file.name, input: input.name, spool: spool)
            }
            // Their directories are fsynced by the barrier of the commit that forgets them.
            try spool.complete(present.map(\.name), syncing: false)
            completed += names.map { (spool: input.name, file: $0.name) }
            counters.files += names.count
            board.filesDone(names.count, spool: input.name, at: wallClock())
            metrics.count("contextd_files_total", [("input", input.name)], by: names.count)
        }
        for file in files {
            // A file with rejected lines is worth an operator's look: its bad lines wait in rejected/.
            if let summary = file.summary {
                let clean = summary["rejected"] == "0" && summary["late"] ?? "0" == "0"
                logger.log(level: clean ? .info : .warning, "file done", metadata: summary)
            }
        }
    }

    /// Hands a batch, with the files completed since the last commit, to the store's writer
    /// and returns while it is written: the engine goes on with the next group on this core
    /// (decision 0009). What needs the batch on disk waits for ``finishCommit()``.
    ///
    /// The tasks the batch makes due are written to the outbox's `tmp/` first and staged by
    /// this commit; the files of the previous commit leave `cur/` while this one is written
    /// (decision 0010). Both keep the disk's flushes off the way from a file to its tasks.
    private func commit(_ batch: Commit, finished: [FinishedFile] = [], tally: [String: StatusBoard.EventTotals] = [:]) throws {
        let landed = try land()
        var batch = batch
        let changes = batch.tasks
        batch.tasks = changes.foldingReleases()
        batch.explanations = explanations.take()
        batch.finishedFiles += completed
        // The engine worked on an empty context where a read failed: that must not overwrite
        // the stored one. The daemon stops; a restart redoes the batch.
        try storedContexts.check()
        let staged = try outbox.stage(batch.tasks, at: engine.clock, httpAssignees: configuration.http.assignees)
        let barrier = addMarks(to: &batch, staged: staged)
        inFlight = InFlightCommit(
            pending: store.startCommit(batch, after: barrier), tasks: changes, staged: staged, clock: engine.clock,
            rules: engine.statistics.rules, finished: finished, tally: tally)
        completed = []
        // Lets go only of contexts unused since the previous trim: their last change is in a
        // batch already on disk, where the reads from the last commit find it (decision 0009).
        engine.trimContexts(keeping: configuration.contextCache)
        try complete(landed)
        logNewFaults()
    }

    /// What a commit in flight carries for the time it is on disk.
    private struct InFlightCommit {
        var pending: PendingCommit
        /// As the engine reported them (releases not folded): what the metrics count.
        var tasks: [TaskChange]
        /// Tasks whose files wait in the outbox's `tmp/` for this commit.
        var staged: [String]
        /// The engine's clock and statistics when the batch was taken: the outbox writes what
        /// was due then, and the metrics count what the batch holds, not the group after it.
        var clock: Timestamp?
        var rules: [String: RuleStatistics]
        var finished: [FinishedFile]
        var tally: [String: StatusBoard.EventTotals]
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
        guard let flight = inFlight else { return [] }
        inFlight = nil
        let receipt = try flight.pending.wait()
        try store.checkFile()
        let publishedNow = try outbox.publish(flight.staged, receipt: receipt)
        published += publishedNow
        counters.tasksWritten += publishedNow.count
        metrics.count("contextd_tasks_written_total", by: publishedNow.count)
        metrics.set("contextd_contexts_in_memory", to: Double(engine.contextsHeld))
        metrics.count("contextd_context_reads_total", by: storedContexts.reads - contextReadsCounted)
        contextReadsCounted = storedContexts.reads
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
        try flushOutbox(at: flight.clock)
        heartbeat()
        return flight.finished
    }

    /// The outbox's marks (tasks staged by this commit, tasks published since the last one)
    /// and the barrier that puts on disk what they and the forgotten files (``completed``)
    /// describe.
    private func addMarks(to batch: inout Commit, staged: [String]) -> CommitBarrier? {
        let spools = Set(completed.map(\.spool))
        var barrier = DiskFlushes(
            directories: inputs.filter { spools.contains($0.input.name) }.flatMap(\.spool.completionDirectories))
        if !staged.isEmpty { barrier.fileSystemOf = outbox.tmp }
        if !published.isEmpty { barrier.directories.append(outbox.new) }
        if !staged.isEmpty || !published.isEmpty {
            batch.outbox = OutboxDelivery(staged: Set(staged), written: published, time: engine.clock ?? wallClock())
        }
        published = []
        if barrier.isEmpty { return nil }
        return { @Sendable [barrier] in try barrier.run() }
    }

    /// At shutdown, after the loop: the last commit on disk, the tasks it published marked
    /// `written` (otherwise the next start would find them `staged` and log their recovery),
    /// and its files forgotten. Nothing the engine holds is committed: a file interrupted
    /// half-way is redone.
    func settle() throws {
        try finishCommit()
        guard !published.isEmpty || !completed.isEmpty else { return }
        var batch = Commit(changes: StateChanges(clock: nil), finishedFiles: completed)
        let barrier = addMarks(to: &batch, staged: [])
        try store.commit(batch, after: barrier)
        completed = []
    }

    /// Rule and policy expressions that failed at run time (counted as false) since the last
    /// commit: an operator must see them, since `check` cannot catch every one.
    private func logNewFaults() {
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

    private func flushOutbox(at clock: Timestamp?) throws {
        guard let clock else { return }
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
    var tasksWritten = 0
    var tasksExpired = 0
}
