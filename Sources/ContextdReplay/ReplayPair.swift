public import ContextdEngine
public import ContextdEvents

/// Replays the same events through two rule sets — two ``Replay``s, so both sides run exactly
/// the engine code `contextd replay` runs — reading each file once and applying every event to
/// both, so standard input works and the two sides cannot see different input.
public final class ReplayPair {
    public let old: Replay
    public let new: Replay
    /// Lines or elements that are not valid events (the same for both sides).
    public private(set) var rejected: [(file: String, rejection: EventRejection)] = []
    /// Files that could not be read at all.
    public private(set) var rejectedFiles: [(file: String, reason: String)] = []

    public init(old: RuleSet, new: RuleSet) {
        self.old = Replay(ruleSet: old)
        self.new = Replay(ruleSet: new)
    }

    /// Valid events read, duplicates included.
    public var eventsRead: Int { old.eventsRead }

    /// Reads one file and applies each event to both sides; a file that cannot be read at all
    /// is recorded, not thrown (events read before the failure stay applied, as in ``Replay``).
    public func apply(file reader: EventFileReader) {
        do {
            try reader.forEach { item in
                switch item {
                case .event(let event, _), .eventWithText(let event, _, _):
                    old.apply(event)
                    new.apply(event)
                case .rejected(let rejection): rejected.append((reader.path, rejection))
                }
            }
        } catch {
            rejectedFiles.append((reader.path, "\(error)"))
        }
    }

    /// Advances both clocks to `time` (`--until`), firing due timers.
    public func finish(until time: Timestamp?) {
        old.finish(until: time)
        new.finish(until: time)
    }

    /// The differences between the two sides' final tasks, rules in the new set's order, then
    /// the rules only the old set has.
    public func compare() -> RuleSetComparison {
        let order = new.engine.ruleSet.rules.map(\.id) + old.engine.ruleSet.rules.map(\.id)
        return RuleSetComparison(old: old.tasks, new: new.tasks, ruleOrder: order)
    }
}
