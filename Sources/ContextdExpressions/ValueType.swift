public import ContextdEvents

/// The static type of an expression, checked once when rules load.
///
/// Rules are edited by operations people and reloaded into a running daemon; a typo or a
/// comparison that can never be true must fail the reload, not every event afterwards. Types are
/// deliberately loose where payloads are: `dyn` (anything, checked at run time) is compatible
/// with every type, and every type may also be null at run time, so there are no optional types
/// to spell out.
public indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
    case dyn
    case null
    case bool
    case number
    case string
    case timestamp
    case duration
    case list(ValueType)
    case map(ValueType)
    case record(RecordType)

    public var description: String {
        switch self {
        case .dyn: "dyn"
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case .timestamp: "timestamp"
        case .duration: "duration"
        case .list(let element): "list(\(element))"
        case .map(let element): "map(\(element))"
        case .record(let record): record.name.isEmpty ? "map" : record.name
        }
    }
}

/// A map whose fields are known at load time: an event type's payload, the context a rule
/// declares, a score. Knowing the fields turns `context.balance.amout` into a load-time error
/// with a suggestion instead of a missing-field failure on every event.
public struct RecordType: Sendable, Hashable {
    /// How messages name it (`event`, `context.balance`).
    public var name: String
    public var fields: [String: ValueType]
    /// An open record may have other fields, typed `dyn`; a closed one makes them errors.
    public var isOpen: Bool

    public init(name: String, fields: [String: ValueType], isOpen: Bool = false) {
        self.name = name
        self.fields = fields
        self.isOpen = isOpen
    }
}

extension ValueType {
    /// The type of a known value (a constant or a folded literal).
    public init(of value: Value) {
        switch value {
        case .null: self = .null
        case .bool: self = .bool
        case .number: self = .number
        case .string: self = .string
        case .timestamp: self = .timestamp
        case .duration: self = .duration
        case .list(let elements): self = .list(elements.map(ValueType.init(of:)).reduce(nil, ValueType.join) ?? .dyn)
        case .object(let fields):
            self = .map(fields.values.map(ValueType.init(of:)).reduce(nil, ValueType.join) ?? .dyn)
        }
    }

    /// Unknown until run time: `dyn`, or the `null` literal which fits anywhere.
    var isDynamic: Bool { self == .dyn || self == .null }

    /// Whether a value of one type could ever be used where the other is expected.
    func isCompatible(with other: ValueType) -> Bool {
        switch (self, other) {
        case (.dyn, _), (_, .dyn), (.null, _), (_, .null): true
        case (.list(let a), .list(let b)): a.isCompatible(with: b)
        case (.map(let a), .map(let b)): a.isCompatible(with: b)
        case (.map, .record), (.record, .map), (.record, .record): true
        default: self == other
        }
    }

    /// The narrowest type both may have: branches of `?:`, elements of a list literal, `??`.
    static func join(_ a: ValueType?, _ b: ValueType) -> ValueType {
        guard let a else { return b }
        if a == b { return a }
        switch (a, b) {
        case (.null, _): return b
        case (_, .null): return a
        case (.list(let x), .list(let y)): return .list(join(x, y))
        case (.map(let x), .map(let y)): return .map(join(x, y))
        default: return .dyn
        }
    }

    /// What iterating a value of this type yields (elements of a list, keys of a map).
    var elementType: ValueType? {
        switch self {
        case .dyn, .null: .dyn
        case .list(let element): element
        case .map, .record: .string
        default: nil
        }
    }
}
