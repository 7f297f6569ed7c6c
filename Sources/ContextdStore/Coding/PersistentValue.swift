public import ContextdEvents

/// Stores a ``Value`` as JSON text without losing its type.
///
/// Plain JSON has no timestamps or durations, and context may hold both (a due date folded
/// with `timestamp()`), so they are written as `{"$t": ms}` and `{"$d": ms}`. An object key
/// that itself starts with `$` is written with one more `$` in front, so no input can be
/// mistaken for a tag.
public enum PersistentValue {
    public static func encode(_ value: Value) -> String {
        var output: [UInt8] = []
        append(value, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// ``encode(_:)`` into a buffer: `JSON.append`, with timestamps and durations tagged and
    /// object keys escaped as they are written (no tagged copy of the value is built).
    static func append(_ value: Value, to output: inout [UInt8]) {
        switch value {
        case .timestamp(let time): appendTagged("$t", time.milliseconds, to: &output)
        case .duration(let span): appendTagged("$d", span.milliseconds, to: &output)
        case .list(let items): JSON.appendList(items, to: &output) { append($0, to: &$1) }
        case .object(let object): appendObject(object.keys, to: &output) { key, output in append(object[key]!, to: &output) }
        default: JSON.append(value, to: &output)
        }
    }

    /// `{…}` of `keys`, each written with one more `$` in front when it starts with `$`, sorted
    /// as written; `member` writes each key's value.
    static func appendObject(
        _ keys: some Collection<String>, to output: inout [UInt8], _ member: (String, inout [UInt8]) -> Void
    ) {
        let sorted = keys.sorted()
        // Escaped names sort as the keys do: the `$` goes in front of names that begin with one.
        let names = sorted.contains { $0.hasPrefix("$") } ? sorted.map { $0.hasPrefix("$") ? "$" + $0 : $0 } : sorted
        JSON.appendObject(names: names, to: &output) { member(sorted[$0], &$1) }
    }

    private static func appendTagged(_ tag: StaticString, _ milliseconds: Int64, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        JSON.appendKey(tag, to: &output)
        JSON.appendInteger(milliseconds, to: &output)
        output.append(UInt8(ascii: "}"))
    }

    public static func decode(_ text: String) throws -> Value { untagged(try JSON.parse(text)) }

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
