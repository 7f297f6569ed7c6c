import ContextdEngine
import ContextdEvents
import ContextdStore
import Dispatch
import Foundation

/// The gate in front of the steps that reach other partitions, for one cohort (decision
/// 0018 §3): such a step at position `q` is applied only once every other partition has
/// applied everything before `q`, and, for an event, once every partition with a timer due by
/// the event's time has applied `q` itself (its timers fire before the event in `replay`).
/// Then the cohort reads again what the others wrote (the contexts it read of their entities,
/// the keys tasks share), and what it reads is what `replay` reads at that point: no other
/// partition can have written past `q`, since its own steps that write what is read across
/// wait for this cohort in turn.
///
/// Why positions and not event times: the log is the order. A silent producer holds nothing
/// back (a partition with no entries before `q` has applied them all), and an idle node is no
/// exception either, since every node commits the position of each slice it applied.
///
/// What it costs: whenever another partition's entry came in between, such a step reads every
/// partition's progress again; when the others are not there yet, the slice ends (the cohort
/// commits its position, on which they may be waiting) and the next one waits for them. So on
/// several nodes the steps that cross are applied one node at a time (docs/performance.md).
/// Partition-local steps are never held.
final class PartitionWatermark {
    /// What the watermarks of a node did, for its metrics and its log.
    final class Tally {
        /// Looks at the partitions' progress, and those that found it closed.
        var looks = 0
        var closed = 0
        /// Time spent waiting for the others, in nanoseconds.
        var waited: UInt64 = 0
        /// Reads of the shared state, and their time in nanoseconds.
        var refreshes = 0
        var refreshing: UInt64 = 0
    }

    /// The first failed read of the shared state since the last check: the engine cannot take
    /// an error in the middle of a step, so the cohort checks before it commits.
    final class ReadFailure {
        private var error: (any Error)?

        /// What `read` gives, or nil when it throws (kept for ``check()``).
        func recording<T>(_ read: () throws -> T?) -> T? {
            do {
                return try read()
            } catch {
                if self.error == nil { self.error = error }
                return nil
            }
        }

        func check() throws {
            if let error { throw error }
        }
    }

    let plan: CrossingPlan
    let tally: Tally
    let failure: ReadFailure
    let owning: LogEvaluation.OwnedPartitions
    /// Signalled when another node appended or committed (its LISTEN connection).
    private let signal: ProgressSignal
    /// Every partition's progress, as committed.
    private let readProgress: () throws -> [Int: PartitionProgress]
    /// Reads again, into the engine, what other partitions wrote that the cohort reads.
    private let refresh: (Engine) throws -> Void
    private var progress: [Int: PartitionProgress] = [:]
    /// Whether an entry of another partition (or a tick, at which its timers may fire) was
    /// applied since the last step that waited: then the next such step needs a fresh look.
    private var othersMoved = true

    init(
        failure: ReadFailure, plan: CrossingPlan, owning: LogEvaluation.OwnedPartitions, tally: Tally, signal: ProgressSignal,
        progress: @escaping () throws -> [Int: PartitionProgress], refresh: @escaping (Engine) throws -> Void
    ) {
        self.failure = failure
        self.plan = plan
        self.owning = owning
        self.tally = tally
        self.signal = signal
        self.readProgress = progress
        self.refresh = refresh
    }

    /// Whether `step` reaches other partitions: an event of a type the plan names, or any step
    /// at which a timer of this engine fires, when timed rules reach them.
    func needs(_ step: LogEvaluation.Step.Kind, engine: Engine) -> Bool {
        switch step {
        case .event(let event): plan.waitingTypes.contains(event.type) || firesTimer(engine, at: event.time)
        case .tick(let time), .clockStep(let time), .release(_, let time): firesTimer(engine, at: time)
        case .rules: false
        }
    }

    /// Whether `step` may be applied now. After only this cohort's own entries, the others
    /// stand where they stood at the last look, and only their timers can have come due.
    /// Otherwise it looks again at the partitions' progress: open, the shared state is read
    /// again (without a commit of this cohort's: what it changed since its last commit, no other
    /// partition can have written, since that one would wait for this commit); closed, the
    /// slice ends so that the cohort commits its position, on which the others may wait, and
    /// the first step of the next slice waits a moment (``patience``) for the others.
    func mayApply(_ step: LogEvaluation.Step, engine: Engine, first: Bool) throws -> Bool {
        // An event's timers fire as the clock reaches the later of the event's time and the clock.
        let clockAfter: Timestamp? = if case .event(let event) = step.kind { max(engine.clock ?? event.time, event.time) } else { nil }
        if !othersMoved && timersDone(at: step.position, clockAfter: clockAfter) { return true }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { tally.waited += DispatchTime.now().uptimeNanoseconds - start }
        let deadline = Date().addingTimeInterval(Self.patience)
        while true {
            let seen = signal.generation
            progress = try readProgress()
            tally.looks += 1
            if applied(before: step.position) && timersDone(at: step.position, clockAfter: clockAfter) { break }
            tally.closed += 1
            guard first, signal.wait(beyond: seen, until: deadline) else { return false }
        }
        tally.refreshes += 1
        let refreshStart = DispatchTime.now().uptimeNanoseconds
        try refresh(engine)
        tally.refreshing += DispatchTime.now().uptimeNanoseconds - refreshStart
        othersMoved = false
        return true
    }

    /// How long the first step of a slice waits for the others (woken by ``ProgressSignal``)
    /// before the loop goes on with its other work (files, reloads) and comes back, in seconds.
    static let patience = 0.2

    /// Notes an applied step.
    func passed(_ step: LogEvaluation.Step) {
        if step.isForeign { othersMoved = true }
        if case .tick = step.kind { othersMoved = true }
    }

    /// Whether every other partition applied what comes before `position`.
    private func applied(before position: Int64) -> Bool {
        others.allSatisfy { progress[$0].map { $0.applied >= position - 1 } ?? false }
    }

    /// Whether every other partition with a timer due by `clockAfter` (the clock an event at
    /// `position` moves to) applied `position`: in `replay` those timers fire before the event.
    private func timersDone(at position: Int64, clockAfter: Timestamp?) -> Bool {
        guard let clockAfter else { return true }
        return others.allSatisfy { partition in
            guard let standing = progress[partition], let timer = standing.nextTimer, timer <= clockAfter else { return true }
            return standing.applied >= position
        }
    }

    private var others: some Sequence<Int> {
        (0..<owning.count).lazy.filter { !self.owning.partitions.contains($0) }
    }

    private func firesTimer(_ engine: Engine, at time: Timestamp) -> Bool {
        guard plan.timersWait, let timer = engine.nextTimer, timer <= time else { return false }
        return engine.clock.map { time > $0 } ?? true
    }
}
