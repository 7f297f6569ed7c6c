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
    static func formatTime(_ instant: Timestamp, _ pattern: String) -> String {
        let fields = instant.utcFields
        let tokens: [(token: String, value: Int, width: Int)] = [
            ("YYYY", fields.year, 4), ("SSS", fields.millisecond, 3), ("MM", fields.month, 2), ("DD", fields.day, 2),
            ("HH", fields.hour, 2), ("mm", fields.minute, 2), ("ss", fields.second, 2),
        ]
        var text = ""
        var rest = Substring(pattern)
        scanning: while let next = rest.first {
            for token in tokens where rest.hasPrefix(token.token) {
                text += padded(token.value, token.width)
                rest = rest.dropFirst(token.token.count)
                continue scanning
            }
            text.append(next)
            rest = rest.dropFirst()
        }
        return text
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value.magnitude)
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
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
