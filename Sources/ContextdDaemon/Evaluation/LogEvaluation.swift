import ContextdEngine
import ContextdEvents
import ContextdStore

/// The evaluation stage of a node on the cluster's event log (decision 0018 §1 and §3): the
/// engine is fed the log, in position order, instead of the files a node happens to claim
/// (``Pipeline`` applies it cohort by cohort).
///
/// An entry is applied exactly as `replay` of the log's export applies it, so that the run
/// equals that reference: an event is decoded from the producer's own text (``LogEntry/body``)
/// with the kind the log recorded for it as the default (``LogEntry/eventKind``, the spool's
/// configured kind when the text has no `kind` attribute; the export writes that kind into such a
/// text) and handed to ``Engine/apply(_:)``; a tick is the clock step
/// `replay` takes between two files, ``Engine/advance(to:)``. Timers between two events need no
/// step of their own: an engine fires them inside `apply`, when the next event's time passes
/// them, as replay does; an engine that holds only some partitions takes every other
/// partition's event as a step to its ``LogEntry/clockAfter``, so it fires them at the same
/// entry as replay of the whole log.
///
/// A slice is decoded whole before the engine sees any of it: an entry that no longer decodes
/// (a log written by another version, a body changed in the table) throws with its position and
/// leaves the engine as it was, so the caller commits nothing past the last good slice.
struct LogEvaluation {
    let log: any EventLog
    /// One decoder per kind, made once: an entry is decoded by the one of its recorded kind, so
    /// that a text without a `kind` attribute becomes the event its spool's decoder made.
    private let dataDecoder = EventDecoder(defaultKind: .data)
    private let processDecoder = EventDecoder(defaultKind: .process)

    init(log: any EventLog) {
        self.log = log
    }

    /// What one slice did: the task changes, in the order the engine made them, and the last
    /// position applied, which the caller commits with the engine's state so that the next
    /// evaluation (after a restart, on a restored engine) starts after it.
    struct Slice {
        var changes: [TaskChange] = []
        /// The last position applied; the `after` it was called with when the log had nothing new.
        var lastPosition: Int64
        /// Entries applied: events (duplicates included, as the engine counts them) and ticks.
        var entries = 0
        var ticks = 0
    }

    /// Why a slice could not be applied; nothing of it was.
    struct Failure: Error, CustomStringConvertible {
        var position: Int64
        var reason: String
        var description: String { "event log position \(position): \(reason)" }
    }

    /// Applies up to `limit` entries after `position` to `engine`. With `owning`, the engine
    /// holds only those partitions: an event of another partition is a clock step for it
    /// (``Engine/advance(to:)`` to the entry's ``LogEntry/clockAfter``), so that its timers fire
    /// at the very step where `replay` of the whole log fires them.
    func evaluate(_ engine: Engine, after position: Int64, limit: Int, owning: OwnedPartitions? = nil) throws -> Slice {
        let entries = try owning.map {
            try log.entries(after: position, limit: limit, bodiesOf: $0.partitions, count: $0.count)
        } ?? log.entries(after: position, limit: limit)
        let steps = try decode(entries, after: position, owning: owning)
        var slice = Slice(lastPosition: entries.last?.position ?? position, entries: steps.count)
        for step in steps {
            switch step {
            case .event(let event): slice.changes += engine.apply(event)
            case .tick(let time):
                slice.ticks += 1
                slice.changes += engine.advance(to: time)
            case .clockStep(let time):
                slice.changes += engine.advance(to: time)
            }
        }
        return slice
    }

    /// The partitions an engine holds: `EntityPartition.of(subject) % count` in `partitions`.
    struct OwnedPartitions: Sendable {
        var count: Int
        var partitions: Set<Int>

        func owns(_ partition: Int64) -> Bool {
            partitions.contains(Int(partition % Int64(count)))
        }
    }

    /// One entry, ready for the engine.
    private enum Step {
        case event(Event)
        case tick(Timestamp)
        /// An event of a partition the engine does not hold: only the clock moves.
        case clockStep(Timestamp)
    }

    /// Decodes a slice, checking that it goes on from `position` without a gap (a gap means the
    /// log was pruned past what this engine applied) and that each body is the event the log
    /// filed under its `(source, id)`.
    private func decode(_ entries: [LogEntry], after position: Int64, owning: OwnedPartitions?) throws -> [Step] {
        var steps: [Step] = []
        steps.reserveCapacity(entries.count)
        var previous = position
        for entry in entries {
            guard entry.position == previous + 1 else {
                throw Failure(
                    position: previous + 1,
                    reason: """
                        missing from the log (the next entry is \(entry.position)): it was pruned before this node \
                        applied it; raise the log's retention, or restore the node from a snapshot taken at or after \
                        position \(entry.position - 1)
                        """)
            }
            previous = entry.position
            switch entry.kind {
            case .tick:
                steps.append(.tick(entry.time))
            case .event:
                if let owning, let partition = entry.partition, !owning.owns(partition) {
                    steps.append(.clockStep(entry.clockAfter))
                    continue
                }
                guard let body = entry.body else {
                    throw Failure(position: entry.position, reason: "an event entry without its text")
                }
                let kind = entry.eventKind ?? .data
                let decoder = switch kind {
                case .data: dataDecoder
                case .process: processDecoder
                }
                switch decoder.decode(line: body.utf8, lineNumber: 1) {
                case .success(let event):
                    guard event.source == entry.source, event.id == entry.id else {
                        throw Failure(
                            position: entry.position,
                            reason: """
                                its text is the event (\(event.source), \(event.id)), but the log filed it as \
                                (\(entry.source ?? "nil"), \(entry.id ?? "nil")); the table was changed by hand
                                """)
                    }
                    guard event.kind == kind else {
                        throw Failure(
                            position: entry.position,
                            reason: """
                                its text says kind '\(event.kind.rawValue)', but the log filed it as \
                                '\(kind.rawValue)'; the table was changed by hand
                                """)
                    }
                    steps.append(.event(event))
                case .failure(let rejection):
                    throw Failure(
                        position: entry.position,
                        reason: """
                            its text no longer decodes as an event (\(rejection.error)); a contextd that reads it \
                            (the version that appended it) must evaluate this log
                            """)
                }
            }
        }
        return steps
    }
}
