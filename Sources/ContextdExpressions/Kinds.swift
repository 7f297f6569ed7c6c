import ContextdEvents

/// A set of value kinds, for checking arguments both at load time (against a ``ValueType``)
/// and at run time (against a ``Value``) with the same wording.
struct Kinds: OptionSet, Sendable {
    let rawValue: UInt8

    static let null = Kinds(rawValue: 1 << 0)
    static let bool = Kinds(rawValue: 1 << 1)
    static let number = Kinds(rawValue: 1 << 2)
    static let string = Kinds(rawValue: 1 << 3)
    static let timestamp = Kinds(rawValue: 1 << 4)
    static let duration = Kinds(rawValue: 1 << 5)
    static let list = Kinds(rawValue: 1 << 6)
    static let map = Kinds(rawValue: 1 << 7)
    static let any: Kinds = [.null, .bool, .number, .string, .timestamp, .duration, .list, .map]
    /// What `<` and friends order.
    static let ordered: Kinds = [.number, .string, .timestamp, .duration]

    private static let names: [(Kinds, String)] = [
        (.bool, "bool"), (.number, "number"), (.string, "string"), (.timestamp, "timestamp"),
        (.duration, "duration"), (.list, "list"), (.map, "map"), (.null, "null"),
    ]

    /// `a string, list or map`: how messages name what was expected.
    var phrase: String {
        let words = Kinds.names.filter { contains($0.0) }.map(\.1)
        guard let last = words.last else { return "nothing" }
        let article = words[0] == "null" ? "" : "a "
        return article + (words.count == 1 ? last : words.dropLast().joined(separator: ", ") + " or " + last)
    }
}

extension ValueType {
    /// The kinds a value of this type may have at run time (null aside).
    var kinds: Kinds {
        switch self {
        case .dyn, .null: .any
        case .bool: .bool
        case .number: .number
        case .string: .string
        case .timestamp: .timestamp
        case .duration: .duration
        case .list: .list
        case .map, .record: .map
        }
    }
}

extension Value {
    var kind: Kinds {
        switch self {
        case .null: .null
        case .bool: .bool
        case .number: .number
        case .string: .string
        case .timestamp: .timestamp
        case .duration: .duration
        case .list: .list
        case .object: .map
        }
    }
}
