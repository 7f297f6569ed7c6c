/// Reading and writing JSON text as ``Value``.
///
/// contextd's whole input is JSON and its whole output is JSON, and parsing sits on the
/// per-event path, so this is a byte-level parser over contiguous UTF-8 rather than Foundation's
/// `JSONSerialization`, which goes through `NSObject` trees and reports errors without positions.
///
/// Reading is strict RFC 8259 with these decisions:
/// - invalid UTF-8 inside a string is an error (`invalid UTF-8 in string`);
/// - a `\u` escape of a lone surrogate (`"\ud800"`) becomes U+FFFD, as JavaScript producers
///   can emit such strings and losing the whole event over one character would be worse;
/// - a key that appears twice in one object is an error: which one a producer meant is unknowable;
/// - numbers beyond the range of `Double` are an error; all other numbers are read as `Double`;
/// - nesting deeper than ``maximumDepth`` is an error, so hostile input cannot exhaust the stack.
public enum JSON {
    /// How deeply arrays and objects may nest.
    public static let maximumDepth = 512

    /// Parses one JSON value from UTF-8 bytes; whitespace around it is allowed, anything else is not.
    ///
    /// Contiguous collections (`[UInt8]`, `ArraySlice<UInt8>`, `UnsafeBufferPointer<UInt8>`) are
    /// read in place; others are copied first.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> Value {
        if let result = bytes.withContiguousStorageIfAvailable({ parse(buffer: $0) }) {
            return try result.get()
        }
        return try Array(bytes).withUnsafeBufferPointer { parse(buffer: $0) }.get()
    }

    /// Parses one JSON value from text.
    public static func parse(_ text: String) throws(JSONError) -> Value {
        var text = text
        return try text.withUTF8 { parse(buffer: $0) }.get()
    }

    static func parse(buffer: UnsafeBufferPointer<UInt8>) -> Result<Value, JSONError> {
        var parser = JSONParser(bytes: buffer, start: TextPosition())
        do throws(JSONError) {
            return .success(try parser.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}

/// A line and column (1-based, column in Unicode scalars) in a text.
struct TextPosition: Sendable, Hashable {
    var line = 1
    var column = 1
}
