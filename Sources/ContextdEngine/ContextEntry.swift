public import ContextdEvents
import Synchronization

/// One remembered observation: what was kept of an event, when it happened and which event it
/// was, so that a task can cite it as evidence.
///
/// Immutable, so that how rules see it (``asValue``) can be built once and kept: a history of
/// 50 locations is read on every card payment of its subject, and building each entry's map
/// on every read was the largest part of reading a context (docs/performance.md).
public struct ContextEntry: Sendable, Hashable {
    public let key: String?
    public let value: Value
    public let time: Timestamp
    public let eventID: String
    public let eventType: String
    /// ``asValue`` once an expression has read it. Built on first read, not when the entry is
    /// made: most entries of a large working set are never read, and each map is a few
    /// hundred bytes.
    private let shown = ShownValue()

    public init(key: String? = nil, value: Value, time: Timestamp, eventID: String, eventType: String) {
        self.key = key
        self.value = value
        self.time = time
        self.eventID = eventID
        self.eventType = eventType
    }

    /// The same observation under a collection's key.
    public func keyed(_ key: String) -> ContextEntry {
        ContextEntry(key: key, value: value, time: time, eventID: eventID, eventType: eventType)
    }

    /// How rules see the entry: `{value, time, id, type}` (plus `key` in collections).
    public var asValue: Value {
        shown.value {
            var object: [String: Value] = [
                "value": value, "time": .timestamp(time), "id": .string(eventID), "type": .string(eventType),
            ]
            if let key { object["key"] = .string(key) }
            return .object(object)
        }
    }

    public static func == (lhs: ContextEntry, rhs: ContextEntry) -> Bool {
        lhs.time == rhs.time && lhs.eventID == rhs.eventID && lhs.key == rhs.key && lhs.eventType == rhs.eventType
            && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(value)
        hasher.combine(time)
        hasher.combine(eventID)
        hasher.combine(eventType)
    }
}

/// The built value of one entry. A class, so that the copies of an entry (the engine's and
/// the batch the store is writing on another thread) share one; behind a lock because either
/// thread may be the first to read it.
private final class ShownValue: Sendable {
    private let built = Mutex<Value?>(nil)

    func value(_ build: () -> Value) -> Value {
        built.withLock { built in
            if let built { return built }
            let value = build()
            built = value
            return value
        }
    }
}

/// The folded state of one context declaration for one entity.
public enum ContextState: Sendable, Hashable {
    case latest(ContextEntry?)
    /// Items ordered by (time, key).
    case collection([ContextEntry])
    /// Observations ordered by time: `(time, amount)`.
    case window([WindowPoint])
    /// Entries ordered by time, oldest first.
    case history([ContextEntry])

    public struct WindowPoint: Sendable, Hashable {
        public var time: Timestamp
        public var amount: Double
        public init(time: Timestamp, amount: Double) {
            self.time = time
            self.amount = amount
        }
    }
}
