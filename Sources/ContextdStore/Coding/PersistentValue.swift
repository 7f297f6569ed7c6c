public import ContextdEvents

/// Stores a ``Value`` as JSON text without losing its type.
///
/// Plain JSON has no timestamps or durations, and context may hold both (a due date folded
/// with `timestamp()`), so they are written as `{"$t": ms}` and `{"$d": ms}`. An object key
/// that itself starts with `$` is written with one more `$` in front, so no input can be
/// mistaken for a tag.
public enum PersistentValue {
    public static func encode(_ value: Value) -> String { JSON.encode(tagged(value)) }

    public static func decode(_ text: String) throws -> Value { untagged(try JSON.parse(text)) }

    static func tagged(_ value: Value) -> Value {
        switch value {
        case .timestamp(let time): return .object(["$t": .number(Double(time.milliseconds))])
        case .duration(let span): return .object(["$d": .number(Double(span.milliseconds))])
        case .list(let items): return .list(items.map(tagged))
        case .object(let object):
            var out: [String: Value] = [:]
            for (key, item) in object { out[key.hasPrefix("$") ? "$" + key : key] = tagged(item) }
            return .object(out)
        default: return value
        }
    }

    static func untagged(_ value: Value) -> Value {
        switch value {
        case .list(let items): return .list(items.map(untagged))
        case .object(let object):
            if object.count == 1, let (key, item) = object.first, case .number(let ms) = item {
                if key == "$t" { return .timestamp(Timestamp(milliseconds: Int64(ms))) }
                if key == "$d" { return .duration(TimeSpan(milliseconds: Int64(ms))) }
            }
            var out: [String: Value] = [:]
            for (key, item) in object { out[key.hasPrefix("$$") ? String(key.dropFirst()) : key] = untagged(item) }
            return .object(out)
        default: return value
        }
    }
}
