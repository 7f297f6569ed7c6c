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
        /// Whether it ended before a step that waits for the watermark.
        var waiting = false
        /// The fingerprint of the rules the slice's one entry switches to (a `rules` entry, which
        /// is a slice of its own): the caller swaps them in, since they change what the next
        /// entries mean (``CrossingPlan``, which events release).
        var switchesRulesTo: String?
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
    /// at the very step where `replay` of the whole log fires them; one whose type releases
    /// deferred tasks (``CrossingPlan/releaseTypes``) is applied as a release
    /// (``Engine/applyRelease(_:clockAfter:)``).
    ///
    /// With a `watermark`, a step that reaches other partitions is applied only when the
    /// watermark lets it (``PartitionWatermark/mayApply(_:engine:first:)``); otherwise the
    /// slice ends before it (``Slice/waiting``).
    func evaluate(
        _ engine: Engine, after position: Int64, limit: Int, owning: OwnedPartitions? = nil,
        watermark: PartitionWatermark? = nil
    ) throws -> Slice {
        var readAhead: [Step] = []
        return try evaluate(engine, after: position, limit: limit, owning: owning, watermark: watermark,
            readAhead: &readAhead)
    }

    /// The same, keeping in `readAhead` the steps read and decoded but not applied (a slice
    /// that ended before a step that waits for the watermark), so that the next slice starts
    /// from them rather than reading and decoding them again: on several nodes a cohort may
    /// apply a step or two between two waits.
    func evaluate(
        _ engine: Engine, after position: Int64, limit: Int, owning: OwnedPartitions?,
        watermark: PartitionWatermark?, readAhead: inout [Step]
    ) throws -> Slice {
        let steps: [Step]
        if let first = readAhead.first, first.position == position + 1 {
            steps = readAhead
        } else {
            let releases = watermark?.plan.releaseTypes ?? []
            let entries = try owning.map {
                releases.isEmpty
                    ? try log.entries(after: position, limit: limit, bodiesOf: $0.partitions, count: $0.count)
                    : try log.entries(after: position, limit: limit)
            } ?? log.entries(after: position, limit: limit)
            steps = try decode(entries, after: position, owning: owning, releases: releases)
        }
        readAhead = []
        var slice = Slice(lastPosition: position)
        for (index, step) in steps.enumerated() {
            if slice.entries == limit {
                readAhead = Array(steps[index...])
                break
            }
            if case .rules(let fingerprint) = step.kind {
                // On its own: what was read after it was read under the rules before it.
                if index == 0 {
                    slice.switchesRulesTo = fingerprint
                    slice.lastPosition = step.position
                    slice.entries = 1
                }
                break
            }
            if let watermark, watermark.needs(step.kind, engine: engine) {
                guard try watermark.mayApply(step, engine: engine, first: index == 0) else {
                    slice.waiting = true
                    readAhead = Array(steps[index...])
                    break
                }
            }
            switch step.kind {
            case .event(let event): slice.changes += engine.apply(event)
            case .tick(let time):
                slice.ticks += 1
                slice.changes += engine.advance(to: time)
            case .clockStep(let time):
                slice.changes += engine.advance(to: time)
            case .release(let event, let clockAfter):
                slice.changes += engine.applyRelease(event, clockAfter: clockAfter)
            case .rules:
                break
            }
            watermark?.passed(step)
            slice.lastPosition = step.position
            slice.entries += 1
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
    struct Step {
        enum Kind {
            /// An event of a partition the engine holds.
            case event(Event)
            case tick(Timestamp)
            /// An event of a partition the engine does not hold: only the clock moves.
            case clockStep(Timestamp)
            /// An event of a partition the engine does not hold that may release its deferred tasks.
            case release(Event, clockAfter: Timestamp)
            /// The cluster's rules change to those of this fingerprint.
            case rules(String)
        }
        var position: Int64
        var kind: Kind
        /// Whether it is an event of a partition the engine does not hold.
        var isForeign: Bool {
            switch kind {
            case .event, .tick, .rules: false
            case .clockStep, .release: true
            }
        }
    }

    /// Decodes a slice, checking that it goes on from `position` without a gap (a gap means the
    /// log was pruned past what this engine applied) and that each body is the event the log
    /// filed under its `(source, id)`.
    private func decode(
        _ entries: [LogEntry], after position: Int64, owning: OwnedPartitions?, releases: Set<String>
    ) throws -> [Step] {
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
                steps.append(Step(position: entry.position, kind: .tick(entry.time)))
            case .rules:
                guard let fingerprint = entry.body else {
                    throw Failure(position: entry.position, reason: "a rules entry without the fingerprint of its rules")
                }
                steps.append(Step(position: entry.position, kind: .rules(fingerprint)))
            case .event:
                let foreign = owning.map { owning in entry.partition.map { !owning.owns($0) } ?? false } ?? false
                if foreign && (releases.isEmpty || entry.body == nil) {
                    steps.append(Step(position: entry.position, kind: .clockStep(entry.clockAfter)))
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
                    if !foreign {
                        steps.append(Step(position: entry.position, kind: .event(event)))
                    } else if releases.contains(event.type) {
                        steps.append(Step(position: entry.position, kind: .release(event, clockAfter: entry.clockAfter)))
                    } else {
                        steps.append(Step(position: entry.position, kind: .clockStep(entry.clockAfter)))
                    }
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
