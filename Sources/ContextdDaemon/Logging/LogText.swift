/// How text reaches a text-format log line without breaking it: control characters escaped.
///
/// File names, event ids and error messages come from producers and from the file system; a
/// file named `x⏎2026-11-23T10:00:00.000Z error …` written raw forged a whole log line (SPEC §8,
/// issue 17). Every C0 control character, DEL and the C1 controls (which some terminals obey)
/// are written as escapes, in the spelling JSON uses (`\n`, `\t`, `\u001b`), so a line is always
/// one record and still reads the same to a person.
enum LogText {
    /// `text` with its control characters escaped; the same string when it has none (the
    /// common case: one pass over the bytes, no copy).
    static func escaped(_ text: String) -> String {
        guard needsEscape(text) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars { append(scalar, to: &result, quoting: false) }
        return result
    }

    /// A metadata value as written after `key=`: as it is when it is one plain word, else in
    /// double quotes with `"`, `\` and control characters escaped (a JSON string).
    static func value(_ text: String) -> String {
        guard text.isEmpty || text.utf8.contains(where: { $0 == 0x20 || $0 == 0x22 }) || needsEscape(text) else {
            return text
        }
        var result = "\""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars { append(scalar, to: &result, quoting: true) }
        result += "\""
        return result
    }

    /// Whether any byte is a C0 control, DEL, or the lead byte of a C1 control (U+0080–U+009F
    /// are `C2 80`–`C2 9F` in UTF-8).
    private static func needsEscape(_ text: String) -> Bool {
        var afterC2 = false
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x7F || (afterC2 && byte < 0xA0) { return true }
            afterC2 = byte == 0xC2
        }
        return false
    }

    private static func append(_ scalar: Unicode.Scalar, to result: inout String, quoting: Bool) {
        switch scalar.value {
        case 0x0A: result += "\\n"
        case 0x0D: result += "\\r"
        case 0x09: result += "\\t"
        case 0x22 where quoting: result += "\\\""
        case 0x5C where quoting: result += "\\\\"
        case 0..<0x20, 0x7F...0x9F:
            let hex = String(scalar.value, radix: 16)
            result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: result.unicodeScalars.append(scalar)
        }
    }
}
