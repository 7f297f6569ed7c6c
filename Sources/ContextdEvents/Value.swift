/// The one value type of contextd: event payloads, context, expression results and task data.
///
/// It is JSON plus the two kinds rules reason about most, instants and durations, so that
/// `event.time - context.last_location.time` needs no conversion. Objects are unordered
/// (`Dictionary`); anything written out is written with sorted keys so output is deterministic.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case timestamp(Timestamp)
    case duration(TimeSpan)
    case list([Value])
    case object([String: Value])
}

extension Value {
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var objectValue: [String: Value]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var listValue: [Value]? {
        if case .list(let l) = self { return l }
        return nil
    }

    /// Member of an object; `.null` for anything else or a missing key.
    public subscript(key: String) -> Value {
        if case .object(let o) = self { return o[key] ?? .null }
        return .null
    }

    /// The name of this value's kind as operators read it in error messages.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case .timestamp: "timestamp"
        case .duration: "duration"
        case .list: "list"
        case .object: "map"
        }
    }
}
