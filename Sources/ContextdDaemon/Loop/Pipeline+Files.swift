import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdSpool
import ContextdStore
import Logging

/// How the loop applies one spool file: read it from where its committed progress got, apply
/// its events to the engine (the hot path: nothing here per event but the engine's own work,
/// the reload hook and the stop check), cut it into slices of `batch_events`, and once its
/// last items are committed, let it leave `cur/`.
extension Pipeline {
    enum Outcome { case done, interrupted }

    /// Applies a claimed file to the engine; its effects join ``group`` (committed in slices
    /// of `batch_events` when the file is large).
    func process(
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
            telemetry.fileRejected(name, reason: "\(reason)", spool: input.name)
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
            telemetry.read(events: events, rejected: rejected - tallied.rejected)
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
            telemetry.fileRejected(file.name, reason: reason, spool: input.name)
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

    struct Interrupted: Error {}

    /// What was applied since the last commit: whole files and, when a large file is cut into
    /// slices, the part of the file in hand.
    struct Group {
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
    struct FinishedFile {
        var input: String
        var spool: Spool
        var name: String
        var items: Int
        /// Whether the store may hold rejects of it (this run's or a previous process's).
        var rejectsStored: Bool
        /// The `file done` log line; nil for a file a previous process had finished.
        var summary: Logger.Metadata?
    }

    /// A file moved or deleted out of `cur/` between its claim and its open: nothing of it was
    /// read in this process; what an earlier one applied (`applied` items) stays, and its
    /// progress is forgotten with the next commit.
    func goneBeforeRead(_ name: String, input: String, applied: Int) {
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
    func complete(_ files: [FinishedFile]) throws {
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
            telemetry.filesDone(names.count, spool: input.name)
        }
        for file in files {
            // A file with rejected lines is worth an operator's look: its bad lines wait in rejected/.
            if let summary = file.summary {
                let clean = summary["rejected"] == "0" && summary["late"] ?? "0" == "0"
                logger.log(level: clean ? .info : .warning, "file done", metadata: summary)
            }
        }
    }
}
