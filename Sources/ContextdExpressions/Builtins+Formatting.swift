import ContextdEvents

/// Text for people, used in templates: `format_number format_time format_date format_duration`.
extension Builtins {
    static let formatting: [Builtin] = [
        Builtin(
            "format_number",
            arity: .range(1...2),
            check: Builtin.fixed("format_number", [.number, .number], .string),
            .variadic(formatNumber)
        ),
        Builtin(
            "format_time",
            [.timestamp, .string],
            .string,
            .binary { instant, pattern throws(EvaluationError) in
                .string(
                    formatTime(
                        try Argument.timestamp(instant, 0, of: "format_time"),
                        try Argument.string(pattern, 1, of: "format_time")
                    )
                )
            }
        ),
        Builtin(
            "format_date",
            [.timestamp],
            .string,
            .unary { instant throws(EvaluationError) in
                .string(formatTime(try Argument.timestamp(instant, 0, of: "format_date"), "YYYY-MM-DD"))
            }
        ),
        Builtin(
            "format_duration",
            [.duration],
            .string,
            .unary { span throws(EvaluationError) in
                .string(formatDuration(try Argument.duration(span, 0, of: "format_duration")))
            }
        ),
    ]

    /// `5,837` or, with decimals, `9,216.5`: comma-grouped thousands, halves away from zero.
    @Sendable private static func formatNumber(_ values: [Value]) throws(EvaluationError) -> Value {
        let number = try Argument.number(values[0], 0, of: "format_number")
        let decimals = values.count > 1 ? try Argument.count(values[1], 1, of: "format_number", in: 0...15) : 0
        guard let digits = DecimalDigits(number, decimals: decimals) else { return .string(number.description) }
        return .string(digits.grouped)
    }

    /// The pattern with `YYYY MM DD HH mm ss SSS` replaced by the UTC fields; everything else as is.
    ///
    /// Scans the pattern's bytes: each token is one letter repeated, and no two tokens share a
    /// letter. (The fraud task's `why` formats two times; scanning with `Substring.hasPrefix`
    /// over a table of tokens was a fifth of the instructions spent rendering tasks' templates.)
    static func formatTime(_ instant: Timestamp, _ pattern: String) -> String {
        let fields = instant.utcFields
        let bytes = Array(pattern.utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count + 8)
        var index = 0
        while index < bytes.count {
            let letter = bytes[index]
            let token: (length: Int, value: Int)? =
                switch letter {
                case UInt8(ascii: "Y"): (4, fields.year)
                case UInt8(ascii: "S"): (3, fields.millisecond)
                case UInt8(ascii: "M"): (2, fields.month)
                case UInt8(ascii: "D"): (2, fields.day)
                case UInt8(ascii: "H"): (2, fields.hour)
                case UInt8(ascii: "m"): (2, fields.minute)
                case UInt8(ascii: "s"): (2, fields.second)
                default: nil
                }
            if let token, index + token.length <= bytes.count,
                bytes[index..<index + token.length].allSatisfy({ $0 == letter })
            {
                appendPadded(token.value, width: token.length, to: &text)
                index += token.length
            } else {
                text.append(letter)
                index += 1
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `value` in decimal, zero-padded to `width` digits (after a minus sign).
    private static func appendPadded(_ value: Int, width: Int, to text: inout [UInt8]) {
        if value < 0 { text.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        var divisor: UInt = 1
        var count = 1
        while divisor <= magnitude / 10 {
            divisor *= 10
            count += 1
        }
        if count < width { text.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - count)) }
        while divisor > 0 {
            text.append(UInt8(ascii: "0") + UInt8(magnitude / divisor % 10))
            divisor /= 10
        }
    }

    /// `38 min`, `2 h 5 min`, `3 d 4 h`: the two largest units (the second left out when zero),
    /// truncated; `45 s` under a minute.
    static func formatDuration(_ span: TimeSpan) -> String {
        let sign = span.milliseconds < 0 ? "-" : ""
        let milliseconds = span.milliseconds.magnitude
        let units: [(size: UInt64, name: String)] = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "min")]
        guard let major = units.firstIndex(where: { milliseconds >= $0.size }) else {
            return sign + "\(milliseconds / 1000) s"
        }
        var text = "\(milliseconds / units[major].size) \(units[major].name)"
        if major + 1 < units.count {
            let minor = milliseconds % units[major].size / units[major + 1].size
            if minor > 0 { text += " \(minor) \(units[major + 1].name)" }
        }
        return sign + text
    }
}
