import ContextdEngine
import ContextdEvents
import ContextdStore

/// Where the daemon's loop (``Pipeline``) is, explicitly: what it may do next follows from it,
/// and a step asked in the wrong state is an error rather than a quiet misstep (a group applied
/// before recovery finished the previous process's files, a commit after the last one).
///
/// A commit in flight is part of the state, not a separate optional: while the store writes
/// it, the loop applies the next group (decision 0009), so it rides along with `recovering`
/// and `applying`; `idle` and `settled` have none by construction.
enum LoopState {
    /// Built, nothing done: ``Pipeline/recover()`` comes first.
    case starting
    /// Finishing what a previous process left (staged outbox files, files in `cur/`).
    case recovering(InFlightCommit?)
    /// Applying groups of waiting files; the last group's commit may still be in flight.
    case applying(InFlightCommit?)
    /// Every spool drained and every commit on disk: the clock follows the wall clock.
    case idle
    /// Shut down: the last commit is on disk and its marks are committed; nothing follows.
    case settled

    /// The commit in flight, if any.
    var inFlight: InFlightCommit? {
        switch self {
        case .recovering(let flight), .applying(let flight): flight
        case .starting, .idle, .settled: nil
        }
    }

    /// Takes the commit in flight out (it is being waited for), leaving the rest as it was.
    mutating func takeInFlight() -> InFlightCommit? {
        switch self {
        case .recovering(let flight?):
            self = .recovering(nil)
            return flight
        case .applying(let flight?):
            self = .applying(nil)
            return flight
        default:
            return nil
        }
    }

    /// Recovery begins; only once, first.
    mutating func beginRecovering() throws {
        guard case .starting = self else { throw LoopStateError(step: "recover", state: self) }
        self = .recovering(nil)
    }

    /// A group is applied: after recovery, never after the shutdown.
    mutating func beginApplying() throws {
        switch self {
        case .applying: return
        case .idle: self = .applying(nil)
        case .starting, .recovering, .settled: throw LoopStateError(step: "apply a group", state: self)
        }
    }

    /// Whether a commit may be handed to the store now: while recovering or running, with none
    /// in flight (the loop waits for the previous one first: commits land in order). Asked
    /// before anything of the commit is done (its outbox files staged, the store's writer given it).
    func checkCommit() throws {
        switch self {
        case .recovering(nil), .applying(nil), .idle: return
        case .starting, .recovering, .applying, .settled: throw LoopStateError(step: "commit", state: self)
        }
    }

    /// A commit was handed to the store (``checkCommit()`` said it may). An idle loop that
    /// commits (a clock that fired timers, outcomes acked over HTTP) is running again.
    mutating func startCommit(_ flight: InFlightCommit) throws {
        try checkCommit()
        switch self {
        case .recovering: self = .recovering(flight)
        default: self = .applying(flight)
        }
    }

    /// Every spool drained and the last commit on disk.
    mutating func becomeIdle() throws {
        switch self {
        case .recovering(nil), .applying(nil), .idle: self = .idle
        case .starting, .recovering, .applying, .settled: throw LoopStateError(step: "go idle", state: self)
        }
    }

    /// The words for an error or a log line.
    var name: String {
        switch self {
        case .starting: "starting"
        case .recovering(let flight): flight == nil ? "recovering" : "recovering, a commit in flight"
        case .applying(let flight): flight == nil ? "applying" : "applying, a commit in flight"
        case .idle: "idle"
        case .settled: "settled"
        }
    }
}

/// A step of the loop asked in a state that does not allow it: a bug in the daemon, never an
/// operator's doing; the daemon stops rather than guess.
struct LoopStateError: Error, CustomStringConvertible {
    var step: String
    var state: LoopState

    var description: String { "the daemon's loop cannot \(step) while \(state.name) (a bug: please report it)" }
}

/// What a commit in flight carries for the time it is on its way to disk.
struct InFlightCommit {
    var pending: PendingCommit
    /// As the engine reported them (releases not folded): what the metrics count.
    var tasks: [TaskChange]
    /// Tasks whose files wait in the outbox's `tmp/` for this commit.
    var staged: [String]
    /// The engine's clock and statistics when the batch was taken: the outbox writes what
    /// was due then, and the metrics count what the batch holds, not the group after it.
    var clock: Timestamp?
    var rules: [String: RuleStatistics]
    var finished: [Pipeline.FinishedFile]
    var tally: [String: StatusBoard.EventTotals]
}
