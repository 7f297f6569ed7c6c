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
    /// Valid events read, duplicates included.
    public private(set) var eventsRead = 0
    /// Keeps the engine's decisions for `--explain` (it becomes the engine's observer); nil,
    /// the default, keeps none.
    public var recorder: DecisionRecorder? {
        didSet { engine.observer = recorder }
    }
    private var index: [String: Int] = [:]

    public init(ruleSet: RuleSet) {
        engine = Engine(ruleSet: ruleSet)
    }

    /// Reads and applies one file; a file that cannot be read at all is recorded, not thrown.
    public func apply(file reader: EventFileReader) {
        do {
            try reader.forEach { item in
                switch item {
                case .event(let event, _): apply(event)
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
        if let time { record(engine.advance(to: time)) }
        recorder?.finish()
    }

    private func record(_ changes: [TaskChange]) {
        for change in changes {
            switch change {
            case .created(let task):
                index[task.id] = tasks.count
                tasks.append(task)
            case .released(let task):
                if let position = index[task.id] { tasks[position] = task }
            case .suppressed(let task, let policy):
                suppressed.append((task, policy))
            }
        }
    }
}
