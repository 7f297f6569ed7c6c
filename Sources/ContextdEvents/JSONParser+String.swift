/// JSON strings: a fast path for the common case (no escapes, copied in one go) and a slow
/// path that decodes escapes into a byte buffer. Both validate UTF-8 as they go so that a bad
/// byte is reported at its own position.
extension JSONParser {
    /// Parses the string starting at the current `"`.
    mutating func parseString() throws(JSONError) -> String {
        let openingQuote = index
        index += 1
        let contentStart = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[contentStart..<index], as: UTF8.self)
                index += 1
                return text
            } else if byte == UInt8(ascii: "\\") {
                var decoded = Array(bytes[contentStart..<index])
                return try parseEscapedString(into: &decoded, openingQuote: openingQuote)
            } else if byte < 0x20 {
                throw unescapedControlCharacter()
            } else if byte < 0x80 {
                index += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        throw error("unterminated string", at: openingQuote)
    }

    /// Continues a string from the first backslash, decoding into `decoded`.
    private mutating func parseEscapedString(
        into decoded: inout [UInt8],
        openingQuote: Int
    ) throws(JSONError) -> String {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: decoded, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                try parseEscape(into: &decoded)
            } else if byte < 0x20 {
                throw unescapedControlCharacter()
            } else if byte < 0x80 {
                decoded.append(byte)
                index += 1
            } else {
                let sequenceStart = index
                try skipUTF8Sequence()
                decoded.append(contentsOf: bytes[sequenceStart..<index])
            }
        }
        throw error("unterminated string", at: openingQuote)
    }

    /// Decodes one escape sequence starting at the current backslash.
    private mutating func parseEscape(into decoded: inout [UInt8]) throws(JSONError) {
        let escapeStart = index
        index += 1
        guard index < bytes.count else { throw error("unterminated string", at: escapeStart) }
        let simple: UInt8
        switch bytes[index] {
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            index += 1
            appendUTF8(try parseUnicodeEscape(escapeStart: escapeStart), to: &decoded)
            return
        default:
            let shown =
                bytes[index] > 0x20 && bytes[index] < 0x7F
                ? "'\\\(Character(Unicode.Scalar(bytes[index])))'" : "(backslash followed by \(found()))"
            throw error("invalid escape \(shown) in string", at: escapeStart)
        }
        decoded.append(simple)
        index += 1
    }

    /// The scalar of a `\uXXXX` escape (the `\u` already consumed), joining surrogate pairs.
    /// A lone surrogate becomes U+FFFD.
    private mutating func parseUnicodeEscape(escapeStart: Int) throws(JSONError) -> Unicode.Scalar {
        let first = try parseHex4(escapeStart: escapeStart)
        switch first {
        case 0xD800...0xDBFF:
            let pairStart = index
            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                index += 2
                let second = try parseHex4(escapeStart: pairStart)
                if (0xDC00...0xDFFF).contains(second) {
                    let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    return Unicode.Scalar(value) ?? "\u{FFFD}"
                }
                // Not a low surrogate: the high one was alone; re-read the second escape on its own.
                index = pairStart
            }
            return "\u{FFFD}"
        case 0xDC00...0xDFFF:
            return "\u{FFFD}"
        default:
            return Unicode.Scalar(first) ?? "\u{FFFD}"
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = hexValue(bytes[index]) else {
                let shown = String(decoding: bytes[escapeStart..<min(escapeStart + 6, bytes.count)], as: UTF8.self)
                throw error(
                    "invalid unicode escape '\(shown)' in string (expected \\u and four hex digits)",
                    at: escapeStart
                )
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private func appendUTF8(_ scalar: Unicode.Scalar, to decoded: inout [UInt8]) {
        if let encoded = UTF8.encode(scalar) {
            decoded.append(contentsOf: encoded)
        }
    }

    func unescapedControlCharacter() -> JSONError {
        error("\(found()) in string must be escaped")
    }

    /// Steps over one well-formed multi-byte UTF-8 sequence (RFC 3629: no overlongs, no
    /// surrogates, nothing above U+10FFFF), or throws at its first byte.
    mutating func skipUTF8Sequence() throws(JSONError) {
        let lead = bytes[index]
        var length = 0
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: (length, secondRange) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: (length, secondRange) = (3, 0x80...0x9F)
        case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
        case 0xF1...0xF3: length = 4
        case 0xF4: (length, secondRange) = (4, 0x80...0x8F)
        default: throw error("invalid UTF-8 in string (byte 0x\(hex(lead)))")
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else {
            throw error("invalid UTF-8 in string (byte 0x\(hex(lead)) starts a malformed sequence)")
        }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
            throw error("invalid UTF-8 in string (byte 0x\(hex(lead)) starts a malformed sequence)")
        }
        index += length
    }
}
