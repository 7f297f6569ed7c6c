/// Writing ``Value`` as compact, deterministic JSON: the outbox, the rejects file and
/// `contextd replay` all print through here, and the same value must always print the same text
/// (diffs, golden files, deterministic task ids).
extension JSON {
    /// Compact JSON with object keys sorted.
    ///
    /// Integral numbers within ±2^53 print without a decimal point (`3`), other numbers in their
    /// shortest round-trip form (`0.1`, `1e+20`), non-finite numbers as `null`. A timestamp prints
    /// as its RFC 3339 string, a duration as its canonical text (`1h30m`). Strings escape `"`, `\`
    /// and control characters; everything else, non-ASCII included, passes through as UTF-8.
    public static func encode(_ value: Value) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        append(value, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// ``encode(_:)`` into a buffer, for callers that write many values into one text.
    public static func append(_ value: Value, to output: inout [UInt8]) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let flag):
            output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            appendNumber(number, to: &output)
        case .string(let text):
            appendString(text, to: &output)
        case .timestamp(let timestamp):
            appendString(timestamp.rfc3339, to: &output)
        case .duration(let span):
            appendString(span.description, to: &output)
        case .list(let list):
            appendList(list, to: &output) { append($0, to: &$1) }
        case .object(let object):
            let names = object.keys.sorted()
            appendObject(names: names, to: &output) { append(object[names[$0]]!, to: &$1) }
        }
    }

    /// `[…]`: each element written by `element`, separated by commas. For writers of other
    /// shapes than ``Value`` (stored contexts, task lines) that must print the same JSON.
    /// Inlinable, as the other writers here, so that it is specialized in the modules that call
    /// it: called through its generic form from the store, it and its closure thunks were 11 %
    /// of the daemon's samples.
    @inlinable
    public static func appendList<Elements: Sequence>(
        _ elements: Elements, to output: inout [UInt8], _ element: (Elements.Element, inout [UInt8]) -> Void
    ) {
        output.append(UInt8(ascii: "["))
        var first = true
        for item in elements {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            element(item, &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// `{…}`: `names` in the order given (sort them for deterministic text), each as a JSON
    /// string, followed by the member that `member` writes for its index.
    @inlinable
    public static func appendObject(names: [String], to output: inout [UInt8], _ member: (Int, inout [UInt8]) -> Void) {
        output.append(UInt8(ascii: "{"))
        for index in names.indices {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            appendString(names[index], to: &output)
            output.append(UInt8(ascii: ":"))
            member(index, &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// `"name":`, the start of a member whose name is fixed in the code (no escape needed).
    @inlinable
    public static func appendKey(_ name: StaticString, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { output.append(contentsOf: $0) }
        output.append(contentsOf: "\":".utf8)
    }

    /// An integer's decimal digits, written in place: `String(n)` would allocate a string per
    /// number, and a stored context has two or three per entry.
    public static func appendInteger(_ number: Int64, to output: inout [UInt8]) {
        if number < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        let start = output.count
        repeat {
            output.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        output[start...].reverse()
    }

    static func appendNumber(_ number: Double, to output: inout [UInt8]) {
        if !number.isFinite {
            output.append(contentsOf: "null".utf8)
        } else if number.magnitude <= 9_007_199_254_740_992, Double(Int64(number)) == number {
            // Not `rounded()`: that needs libm's `trunc`, which nothing else here links.
            appendInteger(Int64(number), to: &output)
        } else {
            output.append(contentsOf: number.description.utf8)
        }
    }

    /// A JSON string literal per RFC 8259 §7. Most strings need no escape and are copied whole.
    public static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        let copied = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                return false
            }
            output.append(contentsOf: bytes)
            return true
        }
        if copied == true {
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(digits[Int(byte >> 4)])
                output.append(digits[Int(byte & 0xF)])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
