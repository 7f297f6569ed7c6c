public import ContextdEvents
import ContextdExpressions

/// The heart of contextd: folds events into per-entity context, fires timers on a virtual
/// clock, evaluates rules and passes candidate tasks through the policies.
///
/// It does no I/O and never reads the wall clock: `replay`, `test` and the daemon feed it the
/// same way, so what an operator tests is what runs. Not thread-safe by design; the daemon
/// owns one inside an actor.
///
/// Per event, in this order (documented in docs/rules.md, "Evaluation order"):
/// 1. skip it if it is older than the clock minus ``allowedLateness`` (counted as late), or if
///    `(source, id)` was seen within the retention window;
/// 2. if its time is past the clock, fire every timer due at or before it (in time order),
///    then move the clock;
/// 3. if it is a task outcome (``TaskOutcome/eventType``), note it for cooldown policies; fold
///    it into its subject's context (every declaration whose `on` names its type);
/// 4. release deferred tasks of the subject (as assignee) that the event releases;
/// 5. evaluate the rules its type triggers, in rule order, and pass each candidate task through
///    the policies in declared order;
/// 6. recompute the subject's timers if its context changed.
///
/// An ``EngineObserver`` set as ``observer`` is told of each of these decisions (explain, the
/// decision funnel, test coverage); with none, observing costs one nil check per decision.
public final class Engine {
    public private(set) var ruleSet: RuleSet
    /// The virtual clock: the greatest event time applied (or time advanced to); nil before the first event.
    public internal(set) var clock: Timestamp?
    public internal(set) var statistics = EngineStatistics()
    /// The most recent run-time evaluation failures (bounded).
    public internal(set) var faults: [EvaluationFault] = []
    /// How long `(source, id)` is remembered for duplicate detection.
    public var dedupRetention: TimeSpan
    /// How far behind the clock an event may be and still be applied, in its own time
    /// (`limits.allowed_lateness`, SPEC §8): windows and contact caps keep their points this
    /// much longer than their own length, so a late event sees exactly what it would have seen
    /// on time. An older event is not applied (``EngineStatistics/late``): its windows are gone.
    /// Never more than ``dedupRetention``, so a late event's duplicate is always recognised.
    public var allowedLateness: TimeSpan
    /// Told of every decision (``EngineObserver``); nil, the default, observes nothing and
    /// costs one nil check per decision. Held strongly: the observer must not hold the engine.
    public var observer: (any EngineObserver)?
    /// A monotonic clock in nanoseconds. When set, the engine measures how long each rule's
    /// evaluations take (``RuleStatistics/nanoseconds``, the rule's `for_each`, `when`, task and
    /// policies included). The engine reads no clock of its own, so the adapter that wants the
    /// figure passes one in (`replay --stats`, the daemon's metrics); nil measures nothing.
    public var monotonicClock: (() -> UInt64)?

    /// The contexts in memory: every one folded, or with a ``contextSource``, a working set
    /// in two generations (``trimContexts(keeping:)``).
    var contexts: [String: EntityContext] = [:]
    var retiringContexts: [String: EntityContext] = [:]
    /// Where contexts the engine let go of are read back; nil holds every context.
    public var contextSource: (any ContextSource)?
    var timers = TimerQueue()
    var seenEvents: [SeenEventKey: Timestamp] = [:]
    var seenSincePrune = 0
    /// Latest time per key: of the last emitted task per dedup key (rule-level and dedup
    /// policies, `rule:`/`policy:`), and of the last reported outcome (`outcome:`, for cooldowns).
    var dedupIndex: [String: Timestamp] = [:]
    /// Emitted times per suppress-limit and contact key (`limit:`/`contact:`), oldest first.
    var limitIndex: [String: [Timestamp]] = [:]
    /// Deferred tasks that an event may still release, by id, and their ids per assignee.
    var deferred: [String: TaskRecord] = [:]
    var deferredByAssignee: [String: Set<String>] = [:]
    var changes: [TaskChange] = []
    /// The activation every fold uses, reset for each event (``Activation/reset()``); nil
    /// until the first fold and after a rule set is swapped in (its slots may differ).
    var foldActivation: Activation?

    /// Whether the engine notes what it changes, for ``takeChanges()``; the daemon turns it
    /// on, `replay` leaves it off.
    public var recordsChanges = false
    var touchedSubjects: Set<String> = []
    var touchedTimers: Set<TimerOwner> = []
    var newSeenEvents: [SeenEvent] = []
    var touchedDedupKeys: Set<String> = []
    var touchedLimitKeys: Set<String> = []
    /// On a node of several, where the keys shared across partitions are read again
    /// (``invalidateSharedKeys()``); nil on one node, where every key is this engine's.
    public var sharedKeys: SharedKeySource?
    /// The partition of a subject, on a node of several: the engine then counts the decisions
    /// that cross partitions (``EngineStatistics/crossingReleases``). Nil counts nothing.
    public var partitionOf: (@Sendable (String) -> Int)?
    /// Whether ``entityReads`` is kept: by a node of several, which must read such contexts
    /// again once another node may have folded them (``forgetEntityReads(where:)``).
    public var tracksEntityReads = false
    /// Subjects whose context was read from the ``contextSource`` since the last forget: through
    /// `entity(…)`, or as the subject of another partition's event that releases deferred tasks.
    var entityReads: Set<String> = []

    /// Joins the parts of policy keys; not NUL, which C APIs (SQLite's among them) may cut at.
    static let keySeparator = "\u{1F}"

    /// What every key of one rule or policy starts with: its kind of key (`rule:` for a rule's
    /// dedup, `policy:` for a dedup policy, `limit:` for a suppress limit, `contact:` for a
    /// contact cap) and its id. The engine builds its keys from it, and ``CrossingPlan`` names
    /// the keys several partitions share by it.
    static func keyPrefix(_ kind: String, _ id: String) -> String {
        kind + ":" + id + keySeparator
    }

    public init(ruleSet: RuleSet, dedupRetention: TimeSpan = .days(7), allowedLateness: TimeSpan = .days(7)) {
        self.ruleSet = ruleSet
        self.dedupRetention = dedupRetention
        self.allowedLateness = allowedLateness
    }

    /// Whether an event at `time` is older than the clock minus ``allowedLateness``, so
    /// ``apply(_:)`` would not apply it.
    public func isBeyondLateness(_ time: Timestamp) -> Bool {
        guard let clock else { return false }
        return time < clock - allowedLateness
    }

    /// Swaps in a new rule set between two events. Context of declarations that still exist
    /// survives; timers are recomputed on each entity's next change.
    public func replace(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        foldActivation = nil
    }

    /// Applies one event; returns the task changes it caused (including those of timers it
    /// made due). A duplicate returns nothing, and so does an event beyond ``allowedLateness``
    /// (counted in ``EngineStatistics/late``; checked first, since its duplicate record may be
    /// gone).
    @discardableResult
    public func apply(_ event: Event) -> [TaskChange] {
        if isBeyondLateness(event.time) {
            statistics.late += 1
            return []
        }
        guard Engine.insertIfAbsent(&seenEvents[SeenEventKey(source: event.source, id: event.id)], event.time) else {
            statistics.duplicates += 1
            return []
        }
        if recordsChanges { newSeenEvents.append(SeenEvent(source: event.source, id: event.id, time: event.time)) }
        statistics.events += 1
        if let clock, event.time > clock { fireTimers(through: event.time) }
        if clock == nil || event.time > clock! { clock = event.time }
        if event.type == TaskOutcome.eventType { recordOutcome(event) }
        let eventValue = event.value
        let changed = fold(event, eventValue: eventValue)
        releaseDeferred(by: event, eventValue: eventValue)
        for index in ruleSet.rulesByEventType[event.type] ?? [] {
            evaluate(ruleSet.rules[index], subject: event.subject, event: event, eventValue: eventValue, now: event.time)
        }
        if !changed.isEmpty { scheduleTimers(for: event.subject, changed: changed) }
        pruneSeenEvents()
        return drainChanges()
    }

    /// Moves the clock forward to `time` (the end of a replay's `--until`, or the wall clock
    /// in the daemon), firing every timer due at or before it.
    @discardableResult
    public func advance(to time: Timestamp) -> [TaskChange] {
        if let clock, time <= clock { return drainChanges() }
        fireTimers(through: time)
        clock = time
        return drainChanges()
    }

    /// The earliest pending timer, so a daemon knows when to wake up.
    public var nextTimer: Timestamp? { timers.earliest?.at }

    func drainChanges() -> [TaskChange] {
        defer { changes.removeAll(keepingCapacity: true) }
        return changes
    }

    func record(fault message: String, rule: String, eventID: String?) {
        statistics.evaluationErrors += 1
        statistics.rules[rule, default: RuleStatistics()].errors += 1
        if faults.count >= 100 { faults.removeFirst() }
        faults.append(EvaluationFault(rule: rule, eventID: eventID, message: message))
    }

    /// Sets a dictionary entry through its optional subscript, so that the key is hashed once
    /// for the test and the insert (two `String`s per event for the duplicate check).
    private static func insertIfAbsent(_ entry: inout Timestamp?, _ time: Timestamp) -> Bool {
        guard entry == nil else { return false }
        entry = time
        return true
    }

    private func pruneSeenEvents() {
        seenSincePrune += 1
        guard seenSincePrune >= 65_536, let clock else { return }
        seenSincePrune = 0
        let horizon = clock - dedupRetention
        seenEvents = seenEvents.filter { $0.value >= horizon }
    }

    /// One declaration of an entity's context at instant `now`; nil when no declaration has
    /// that name.
    func contextValue(of subject: String, declaration name: String, at now: Timestamp) -> Value? {
        declarationValue(name, of: heldContext(of: subject) ?? EntityContext(subject: subject), at: now)
    }

    /// `context.<name>` of one context; nil when no declaration has that name.
    func declarationValue(_ name: String, of context: EntityContext, at now: Timestamp) -> Value? {
        guard let index = ruleSet.contextIndex[name] else { return nil }
        return context.value(of: ruleSet.contexts[index], at: now)
    }

    /// The whole context of an entity as one map, at instant `now`.
    func contextValue(of subject: String, at now: Timestamp) -> Value {
        let context = heldContext(of: subject) ?? EntityContext(subject: subject)
        var object: [String: Value] = [:]
        for declaration in ruleSet.contexts { object[declaration.name] = context.value(of: declaration, at: now) }
        return .object(object)
    }

    /// A snapshot of one entity's folded context (for tests, explain and persistence).
    public func context(of subject: String) -> EntityContext? { heldContext(of: subject) }
}
