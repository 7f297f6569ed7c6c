public import ContextdEvents
public import ContextdExpressions

/// One named piece of per-entity context, declared in YAML and folded from events.
///
/// Rules never see raw history: they see what an operator declared they need (the latest
/// balance, the scheduled payments, visits in the last 7 days). Declaring it is what lets the
/// engine keep context bounded and, later, persist exactly that per entity.
///
/// A class, immutable once loaded, for the reason ``Rule`` is one: each fold and each read
/// of `context.<name>` takes a declaration.
public final class ContextDeclaration: Sendable {
    public enum Kind: Sendable {
        /// The latest matching event's value: `{value, time, id, type}`.
        case latest
        /// A keyed collection with add and remove: a list of `{key, value, time, id, type}`.
        case collection(key: CompiledExpression, removeOn: Set<String>)
        /// How many matching events fall in `(now - window, now]`.
        case count(window: TimeSpan)
        /// The sum of `value` over matching events in `(now - window, now]`.
        case sum(window: TimeSpan)
        /// The last `size` matching events, oldest first: a list of `{value, time, id, type}`.
        case history(size: Int)
    }

    public let name: String
    public let kind: Kind
    /// Event types that add to (or, for collections, add to the collection of) this context.
    public let on: Set<String>
    /// Optional filter over `event`.
    public let when: CompiledExpression?
    /// What to keep of the event; nil keeps `event.data`.
    public let value: CompiledExpression?
    /// Type rules see for `context.<name>`.
    public let type: ValueType

    public init(
        name: String, kind: Kind, on: Set<String>, when: CompiledExpression?, value: CompiledExpression?,
        type: ValueType
    ) {
        self.name = name
        self.kind = kind
        self.on = on
        self.when = when
        self.value = value
        self.type = type
    }

    /// Event types that touch this declaration at all (adds and removes).
    public var eventTypes: Set<String> {
        if case .collection(_, let removeOn) = kind { return on.union(removeOn) }
        return on
    }

    /// The record type of one stored entry (`latest`, `history`, `collection` items).
    public static func entryType(value: ValueType, keyed: Bool) -> RecordType {
        var fields: [String: ValueType] = ["value": value, "time": .timestamp, "id": .string, "type": .string]
        if keyed { fields["key"] = .string }
        return RecordType(name: keyed ? "collection item" : "context entry", fields: fields, isOpen: false)
    }

    /// The type of `context.<name>` for a declaration of this kind holding values of `valueType`.
    public static func type(of kind: Kind, valueType: ValueType) -> ValueType {
        switch kind {
        case .latest: .record(entryType(value: valueType, keyed: false))
        case .collection: .list(.record(entryType(value: valueType, keyed: true)))
        case .count, .sum: .number
        case .history: .list(.record(entryType(value: valueType, keyed: false)))
        }
    }
}
