public import ContextdEvents

/// Stores a ``Value`` as JSON text without losing its type.
///
/// Plain JSON has no timestamps or durations, and context may hold both (a due date folded
/// with `timestamp()`), so they are written as `{"$t": ms}` and `{"$d": ms}`. An object key
/// that itself starts with `$` is written with one more `$` in front, so no input can be
/// mistaken for a tag.
public enum PersistentValue {
    public static func encode(_ value: Value) -> String { JSON.encode(tagged(value)) }

    /// ``encode(_:)`` written straight into `output`, the same bytes without building the tagged
    /// copy of the value first (the daemon encodes every changed context on every commit).
    static func append(_ value: Value, to output: inout [UInt8]) {
        switch value {
        case .timestamp(let time): appendTagged("$t", time.milliseconds, to: &output)
        case .duration(let span): appendTagged("$d", span.milliseconds, to: &output)
        case .list(let items):
            output.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                append(item, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            appendObject(object.keys, to: &output) { key, output in append(object[key]!, to: &output) }
        default: JSON.append(value, to: &output)
        }
    }

    /// `{…}` of `keys` escaped as ``tagged(_:)`` escapes them and sorted as `JSON.encode` sorts
    /// them; `member` writes each key's value.
    static func appendObject(
        _ keys: some Collection<String>, to output: inout [UInt8], _ member: (String, inout [UInt8]) -> Void
    ) {
        let escaped = keys.map { (stored: $0.hasPrefix("$") ? "$" + $0 : $0, key: $0) }.sorted { $0.stored < $1.stored }
        output.append(UInt8(ascii: "{"))
        for (position, pair) in escaped.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            JSON.appendString(pair.stored, to: &output)
            output.append(UInt8(ascii: ":"))
            member(pair.key, &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    private static func appendTagged(_ tag: StaticString, _ milliseconds: Int64, to output: inout [UInt8]) {
        output.append(contentsOf: "{\"".utf8)
        tag.withUTF8Buffer { output.append(contentsOf: $0) }
        output.append(contentsOf: "\":".utf8)
        JSON.append(.number(Double(milliseconds)), to: &output)
        output.append(UInt8(ascii: "}"))
    }

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
