public import ContextdEngine
public import ContextdEvents

/// Evaluates event files in memory on the virtual clock, touching no daemon state: the
/// `contextd replay` command, and what tests and `contextd test` run.
///
/// Tasks are kept until the end so each is reported once, in its final form (after policies,
/// including any later early release), in the order the engine created them.
public final class Replay {
    public let engine: Engine
    public private(set) var tasks: [TaskRecord] = []
    public private(set) var suppressed: [(task: TaskRecord, policy: String)] = []
    public private(set) var rejected: [(file: String, rejection: EventRejection)] = []
    public private(set) var rejectedFiles: [(file: String, reason: String)] = []
    /// Events older than the clock minus ``Engine/allowedLateness``: not applied, as the daemon
    /// sets them aside in `rejected/<file>.late.jsonl`.
    public private(set) var late: [(file: String, line: Int, time: Timestamp)] = []
    /// Tasks created already expired (``TaskChange/expiredOnArrival(_:)``): printed with the
    /// rest, never handed out by the daemon.
    public private(set) var expiredOnArrival: Set<String> = []
    /// Valid events read, duplicates included.
    public private(set) var eventsRead = 0
    /// Keeps the engine's decisions for `--explain` (it becomes the engine's observer); nil,
    /// the default, keeps none.
    public var recorder: DecisionRecorder? {
        didSet { engine.observer = recorder }
    }
    private var index: [String: Int] = [:]

    public init(ruleSet: RuleSet, allowedLateness: TimeSpan = .days(7)) {
        engine = Engine(ruleSet: ruleSet, allowedLateness: allowedLateness)
    }

    /// Reads and applies one file; a file that cannot be read at all is recorded, not thrown.
    /// Event times are judged as the daemon judges them, but for the wall clock: replay runs on
    /// virtual time, so no event is too far ahead.
    public func apply(file reader: EventFileReader) {
        var reader = reader
        reader.timeLimits = EventTimeLimits(clock: engine.clock, allowedLateness: engine.allowedLateness)
        do {
            try reader.forEach { item in
                switch item {
                case .event(let event, _): apply(event)
                case .eventWithText(let event, let line, _):
                    if engine.isBeyondLateness(event.time) { late.append((reader.path, line, event.time)) }
                    apply(event)
                case .rejected(let rejection): rejected.append((reader.path, rejection))
                }
            }
        } catch {
            rejectedFiles.append((reader.path, "\(error)"))
        }
    }

    public func apply(_ event: Event) {
        eventsRead += 1
        guard let recorder else {
            record(engine.apply(event))
            return
        }
        let duplicates = engine.statistics.duplicates
        recorder.willApply(event)
        record(engine.apply(event))
        recorder.didApply(event, duplicate: engine.statistics.duplicates > duplicates)
    }

    /// Advances the clock to `time` (`--until`), firing due timers.
    public func finish(until time: Timestamp?) {
        if let time { advance(to: time) }
        recorder?.finish()
    }

    /// Evaluates what follows with `ruleSet`: a cluster's change of rules at one log position
    /// (`rules=DIR` between two files of `contextd log export`), as every partition of the
    /// cluster switched there. Context of declarations that still exist survives.
    public func replace(ruleSet: RuleSet) {
        engine.replace(ruleSet: ruleSet)
    }

    /// Moves the clock to `time` between two files, firing due timers: what the daemon does
    /// when its spools are drained and the wall clock is ahead (the reference for "the daemon
    /// equals replay" takes the daemon's advances as such steps).
    public func advance(to time: Timestamp) {
        record(engine.advance(to: time))
    }

    private func record(_ changes: [TaskChange]) {
        for change in changes {
            switch change {
            case .created(let task):
                index[task.id] = tasks.count
                tasks.append(task)
            case .expiredOnArrival(let task):
                index[task.id] = tasks.count
                tasks.append(task)
                expiredOnArrival.insert(task.id)
            case .released(let task):
                if let position = index[task.id] { tasks[position] = task }
            case .suppressed(let task, let policy):
                suppressed.append((task, policy))
            }
        }
    }
}
