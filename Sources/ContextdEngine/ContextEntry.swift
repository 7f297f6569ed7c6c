public import ContextdEvents

/// One remembered observation: what was kept of an event, when it happened and which event it
/// was, so that a task can cite it as evidence.
public struct ContextEntry: Sendable, Hashable {
    public let key: String?
    public let value: Value
    public let time: Timestamp
    public let eventID: String
    public let eventType: String

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
    ///
    /// Built on every read. Keeping it once built saved 1.5 % of `replay`'s instructions and
    /// cost 150 MB more at its peak (1,000,000 events): not kept (docs/performance.md).
    public var asValue: Value {
        var object: [String: Value] = [
            "value": value, "time": .timestamp(time), "id": .string(eventID), "type": .string(eventType),
        ]
        if let key { object["key"] = .string(key) }
        return .object(object)
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
