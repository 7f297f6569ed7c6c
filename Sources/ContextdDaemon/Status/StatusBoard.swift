import ContextdEngine
import ContextdEvents
import ContextdRules
import Synchronization

/// What the loop has done lately, for `/v1/status`: written by the loop at commit boundaries
/// and once per file (never per event), read by the HTTP side on request. One lock around one
/// value; the loop holds it for a few additions.
final class StatusBoard: Sendable {
    /// How many rejected files the board remembers per spool (newest first).
    static let rejectsKept = 10

    /// One spool's files lately.
    struct SpoolActivity: Sendable, Equatable {
        /// The file being read, and its items applied so far (brought up to date per slice).
        var inProgress: (file: String, done: Int)?
        var done = HourOfTimes()
        var rejected = HourOfTimes()
        /// Newest first, at most ``StatusBoard/rejectsKept``.
        var lastRejects: [(file: String, reason: String, at: Timestamp)] = []

        static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.inProgress?.file == rhs.inProgress?.file && lhs.inProgress?.done == rhs.inProgress?.done
                && lhs.done == rhs.done && lhs.rejected == rhs.rejected
                && lhs.lastRejects.elementsEqual(rhs.lastRejects) { $0 == $1 }
        }
    }

    /// Events counted by the loop: per input in a commit group (for the metrics), and since
    /// start on the board, the sum of its commits.
    struct EventTotals: Sendable, Equatable {
        /// Valid events read, duplicates included (as `contextd_events_total` and `replay --stats`).
        var total = 0
        var duplicates = 0
        /// Bad lines, far-future events included.
        var rejected = 0
        /// Events set aside as late (not in `total`).
        var late = 0
        /// Of `rejected`, events ahead of the wall clock by more than `limits.max_future_skew`.
        var future = 0

        mutating func add(_ other: EventTotals) {
            total += other.total
            duplicates += other.duplicates
            rejected += other.rejected
            late += other.late
            future += other.future
        }
    }

    /// A load of the rules: when, whether it took effect, its errors where they are.
    struct Reload: Sendable, Equatable {
        var at: Timestamp
        var ok: Bool
        var errors: [(file: String, line: Int, column: Int, message: String)]

        static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.at == rhs.at && lhs.ok == rhs.ok && lhs.errors.elementsEqual(rhs.errors) { $0 == $1 }
        }
    }

    /// A rule of the set in force, as the status names it.
    struct RuleInfo: Sendable, Equatable {
        var id: String
        var description: String
        var file: String
    }

    /// A rule's last run-time error.
    struct RuleFault: Sendable, Equatable {
        var message: String
        var event: String?
        var at: Timestamp
    }

    /// Everything on the board at one moment.
    struct State: Sendable {
        var spools: [String: SpoolActivity] = [:]
        var minutes = MinuteCounts()
        var events = EventTotals()
        /// The engine's clock at the last commit (or idle advance).
        var clock: Timestamp?
        /// A copy of the engine's per-rule statistics at the last commit.
        var ruleStatistics: [String: RuleStatistics] = [:]
        var rules: [RuleInfo] = []
        var ruleFaults: [String: RuleFault] = [:]
        var lastReload: Reload?
    }

    let startedAt: Timestamp
    private let state = Mutex(State())

    init(startedAt: Timestamp) {
        self.startedAt = startedAt
    }

    var snapshot: State { state.withLock { $0 } }

    // MARK: - Per file

    /// A file was claimed and is being read; `done` items of it were applied before (a redo).
    func reading(_ file: String, spool: String, done: Int) {
        state.withLock { $0.spools[spool, default: SpoolActivity()].inProgress = (file, done) }
    }

    /// The file in progress got this far (called when a slice of it commits).
    func progress(_ done: Int, spool: String) {
        state.withLock { $0.spools[spool, default: SpoolActivity()].inProgress?.done = done }
    }

    /// The file in progress was read to its end (or given back): none is in progress.
    func stoppedReading(spool: String) {
        state.withLock { $0.spools[spool, default: SpoolActivity()].inProgress = nil }
    }

    /// Files whose last items are committed left `cur/`.
    func filesDone(_ count: Int, spool: String, at time: Timestamp) {
        state.withLock { $0.spools[spool, default: SpoolActivity()].done.add(count, at: time) }
    }

    func fileRejected(_ file: String, reason: String, spool: String, at time: Timestamp) {
        state.withLock { state in
            modify(&state.spools[spool, default: SpoolActivity()]) { activity in
                activity.rejected.add(at: time)
                if activity.inProgress?.file == file { activity.inProgress = nil }
                activity.lastRejects.insert((file, reason, time), at: 0)
                if activity.lastRejects.count > Self.rejectsKept { activity.lastRejects.removeLast() }
            }
        }
    }

    // MARK: - Per commit

    /// A commit is on disk: what it held, and the engine's per-rule statistics when it was taken.
    func committed(
        events: EventTotals, tasksCreated: Int, clock: Timestamp?, rules: [String: RuleStatistics], at time: Timestamp
    ) {
        state.withLock { state in
            state.events.add(events)
            state.minutes.add(events: events.total, tasks: tasksCreated, at: time)
            state.clock = clock
            state.ruleStatistics = rules
        }
    }

    /// Only the clock moved (the loop followed the wall clock while idle).
    func clockMoved(to clock: Timestamp?) {
        state.withLock { $0.clock = clock }
    }

    /// Rule expressions that failed at run time: the last one of each rule is kept.
    func faults(_ faults: some Sequence<EvaluationFault>, at time: Timestamp) {
        state.withLock { state in
            for fault in faults {
                state.ruleFaults[fault.rule] = RuleFault(message: fault.message, event: fault.eventID, at: time)
            }
        }
    }

    // MARK: - Per rules load

    /// The rules loaded (at start or a reload) and took effect.
    func loaded(_ ruleSet: RuleSet, at time: Timestamp) {
        let rules = ruleSet.rules.map { RuleInfo(id: $0.id, description: $0.description, file: $0.file) }
        state.withLock { state in
            state.rules = rules
            state.lastReload = Reload(at: time, ok: true, errors: [])
        }
    }

    /// A reload failed (or was refused): the previous rules stay; the errors are where they are.
    func reloadFailed(_ diagnostics: [Diagnostic], at time: Timestamp) {
        let errors = diagnostics.map { ($0.file, $0.line, $0.column, $0.message) }
        state.withLock { $0.lastReload = Reload(at: time, ok: false, errors: errors) }
    }
}

/// Changes a value in place through one access (a dictionary entry is found once).
private func modify<Value>(_ value: inout Value, _ change: (inout Value) -> Void) { change(&value) }
