import ContextdEvents
import ContextdReplay
import ContextdSpool
import ContextdStore

/// The ingest stage of a node on the cluster's event log (decision 0018 §1): a claimed spool
/// file is read whole, judged, and its events appended to the ``EventLog`` in one call with the
/// file's record; only then may the file leave `cur/` (``Pipeline`` calls it for every file
/// it claims, and ``LogEvaluation`` applies what it appended).
///
/// Time is judged as the loop judges it today, with one difference: lateness is measured
/// against the **log's** clock (``EventLog/headClock()``), not an engine's, since the engine
/// that evaluates the log reaches the file's first position with exactly that clock, and the
/// clock moves within the file only with its own appended events. An event too late for it is
/// never appended, so neither the run nor `replay` of the export applies it; it goes to
/// `rejected/<file>.late.jsonl` as today. Future skew is judged against the wall clock.
///
/// The order that makes a crash at any point harmless: read, hand the rejects to
/// `stagingRejects` (``Spool/writeRejects(_:_:late:)`` waits them in `tmp/` and replaces them on
/// a redo), append, then the caller completes the file. A file found in `cur/` at the start is
/// asked about with ``recover(_:spool:)``: appended already (its rejects wait in `tmp/`), or
/// to be ingested again, which stages its rejects anew and appends it once.
struct LogIngest {
    let log: any EventLog
    /// `node.id`: with the spool and the file's name and digest, the file's record in the log.
    let node: String
    let limits: Limits

    /// The configuration's limits that judge a file's lines (SPEC §8).
    struct Limits {
        var maxLineBytes: Int
        var maxFutureSkew: TimeSpan
        var allowedLateness: TimeSpan
    }

    /// What became of one file: its record, what the log did with its events, and every line
    /// not appended for a reason of its own (bad, future, late), in file order.
    struct IngestedFile {
        var file: LoggedFile
        var append: LogAppend
        /// Bad lines and far-future events (``FileReject/late`` false), late events (true).
        var rejects: [FileReject]
        /// Lines or batch elements read: events (appended or duplicates) and rejects alike.
        var items: Int
        var future: Int
        /// The late events, to report (one warning line, the input's metric) as the loop does.
        var late: LateEvents
    }

    /// What a file found in `cur/` at the start needs.
    enum Recovery: Equatable {
        /// This very file (same name and bytes) was appended: its rejects were staged before,
        /// so it only has to leave `cur/`.
        case logged(LogAppend)
        /// Never appended (or another file under a used name): ingest it.
        case mustAppend
    }

    /// Reads `file` of the spool named `spool`, stages its rejects, appends its events.
    /// Throws ``EventFileReader/ReadError`` when the file cannot be read as events (binary, not
    /// JSON): nothing of it is appended then, and the caller rejects it whole.
    func ingest(
        _ file: ClaimedFile, spool: String, kind: EventKind, wallClock: Timestamp,
        stagingRejects: ([FileReject]) throws -> Void
    ) throws -> IngestedFile {
        let record = LoggedFile(node: node, spool: spool, name: file.name, digest: try FileDigest.of(file))
        let read = try self.read(file, spool: spool, kind: kind, wallClock: wallClock, clock: try log.headClock())
        try stagingRejects(read.rejects)
        let append = try log.append(record, events: read.events)
        return IngestedFile(
            file: record, append: append, rejects: read.rejects, items: read.items, future: read.future,
            late: read.late)
    }

    /// Whether a file found in `cur/` was appended already: asked by its bytes' digest, so a
    /// new file under a name used before is not taken for the old one.
    func recover(_ file: ClaimedFile, spool: String) throws -> Recovery {
        let record = LoggedFile(node: node, spool: spool, name: file.name, digest: try FileDigest.of(file))
        return try log.isLogged(record).map(Recovery.logged) ?? .mustAppend
    }

    // MARK: - Reading

    /// A file read whole: what to append, and what not.
    private struct ReadFile {
        var events: [LoggedEvent] = []
        var rejects: [FileReject] = []
        var items = 0
        var future = 0
        var late: LateEvents
    }

    /// Decodes the file with every event's text kept; an event older than the running log
    /// clock minus the allowed lateness is set aside, as ``Engine/isBeyondLateness(_:)`` would.
    private func read(_ file: ClaimedFile, spool: String, kind: EventKind, wallClock: Timestamp, clock: Timestamp?)
        throws -> ReadFile
    {
        var reader = EventFileReader(
            path: file.path, format: file.format, decoder: EventDecoder(defaultKind: kind),
            maxLineBytes: limits.maxLineBytes)!
        reader.timeLimits = .daemon(
            wallClock: wallClock, maxFutureSkew: limits.maxFutureSkew, clock: clock,
            allowedLateness: limits.allowedLateness)
        reader.timeLimits.keepsEveryText = true
        var read = ReadFile(late: LateEvents(spool: spool, file: file.name, allowedLateness: limits.allowedLateness))
        var clock = clock
        try reader.forEach { item in
            read.items += 1
            switch item {
            case .eventWithText(let event, let line, let text):
                if let now = clock, event.time < now - limits.allowedLateness {
                    read.rejects.append(read.late.setAside(event, line: line, text: text, clock: now))
                    return
                }
                if clock.map({ event.time > $0 }) ?? true { clock = event.time }
                read.events.append(LoggedEvent(event: event, text: String(decoding: text, as: UTF8.self)))
            case .event:
                preconditionFailure("keepsEveryText hands every event with its text")
            case .rejected(let rejection):
                if rejection.kind == .future { read.future += 1 }
                read.rejects.append(FileReject(spool: spool, file: file.name, rejection: rejection))
            }
        }
        return read
    }
}
