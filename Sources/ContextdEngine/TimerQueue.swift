public import ContextdEvents

/// A pending time trigger: evaluate `rule` for `subject` (and the `for_each` item `key`) at `at`.
public struct TimerEntry: Sendable, Hashable, Comparable {
    public var at: Timestamp
    public var ruleOrder: Int
    public var rule: String
    public var subject: String
    public var key: String

    public init(at: Timestamp, ruleOrder: Int, rule: String, subject: String, key: String) {
        self.at = at
        self.ruleOrder = ruleOrder
        self.rule = rule
        self.subject = subject
        self.key = key
    }

    public var owner: TimerOwner { TimerOwner(rule: rule, subject: subject) }

    /// Time order, then rule order, subject and key: a total order, so firing is deterministic.
    public static func < (a: TimerEntry, b: TimerEntry) -> Bool {
        (a.at, a.ruleOrder, a.subject, a.key) < (b.at, b.ruleOrder, b.subject, b.key)
    }
}

/// The timers of all entities, in firing order, replaceable per (rule, subject).
///
/// A binary heap with lazy deletion: replacing an entity's timers marks the old ones dead
/// instead of searching the heap.
public struct TimerQueue: Sendable {
    private var heap: [TimerEntry] = []
    /// Live timers per (rule, subject).
    private var live: [TimerOwner: Set<TimerEntry>] = [:]

    public init() {}

    public var count: Int { live.values.reduce(0) { $0 + $1.count } }

    /// The earliest live timer, without ordering the rest.
    public var earliest: TimerEntry? { live.values.lazy.flatMap { $0 }.min() }

    /// Every live timer, in firing order (for persistence and inspection).
    public var entries: [TimerEntry] { live.values.flatMap { $0 }.sorted() }

    /// The live timers of one (rule, subject), in firing order.
    public func entries(of owner: TimerOwner) -> [TimerEntry] { (live[owner] ?? []).sorted() }

    /// Replaces the timers of `rule` for `subject` with `entries`; false when nothing changed.
    @discardableResult
    public mutating func replace(rule: String, subject: String, with entries: Set<TimerEntry>) -> Bool {
        let owner = TimerOwner(rule: rule, subject: subject)
        let old = live[owner] ?? []
        if old == entries { return false }
        live[owner] = entries.isEmpty ? nil : entries
        for entry in entries.subtracting(old) { push(entry) }
        return true
    }

    /// Adds one timer (when restoring from a store).
    public mutating func insert(_ entry: TimerEntry) {
        if live[entry.owner, default: []].insert(entry).inserted { push(entry) }
    }

    /// Removes and returns the earliest live timer due at or before `time`.
    public mutating func popDue(atOrBefore time: Timestamp) -> TimerEntry? {
        while let top = heap.first, top.at <= time {
            pop()
            let owner = top.owner
            if live[owner]?.remove(top) != nil {
                if live[owner]?.isEmpty == true { live[owner] = nil }
                return top
            }
        }
        return nil
    }

    private mutating func push(_ entry: TimerEntry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child] < heap[parent] else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && heap[left] < heap[smallest] { smallest = left }
            if right < heap.count && heap[right] < heap[smallest] { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
