import ContextdEvents

/// Instants and durations: `duration timestamp date hours minutes days seconds
/// hours_between days_until`.
extension Builtins {
    static let time: [Builtin] = [
        Builtin("duration", [[.string, .duration]], .duration, .unary(duration)).validatingConstants(),
        Builtin("timestamp", [[.string, .timestamp]], .timestamp, .unary(timestamp)).validatingConstants(),
        Builtin("date", [[.string, .timestamp]], .timestamp, .unary(date)).validatingConstants(),
        inUnit("days", 86_400_000),
        inUnit("hours", 3_600_000),
        inUnit("minutes", 60_000),
        inUnit("seconds", 1000),
        Builtin(
            "hours_between",
            [.timestamp, .timestamp],
            .number,
            .binary { start, end throws(EvaluationError) in
                let span =
                    try Argument.timestamp(end, 1, of: "hours_between")
                    - Argument.timestamp(start, 0, of: "hours_between")
                return .number(span.hours)
            }
        ),
        Builtin(
            "days_until",
            [.timestamp, .timestamp],
            .number,
            .binary { target, now throws(EvaluationError) in
                let span =
                    try Argument.timestamp(target, 0, of: "days_until") - Argument.timestamp(now, 1, of: "days_until")
                return .number(Double(span.milliseconds) / 86_400_000)
            }
        ),
    ]

    private static let millisecondsPerDay: Int64 = 86_400_000

    /// `hours(d)` and friends: a duration as a (fractional) number of one unit.
    private static func inUnit(_ name: String, _ milliseconds: Double) -> Builtin {
        Builtin(
            name,
            [.duration],
            .number,
            .unary { span throws(EvaluationError) in
                .number(Double(try Argument.duration(span, 0, of: name).milliseconds) / milliseconds)
            }
        )
    }

    @Sendable private static func duration(_ value: Value) throws(EvaluationError) -> Value {
        if case .duration = value { return value }
        let text = try Argument.string(value, 0, of: "duration")
        guard let span = TimeSpan(parsing: text) else {
            throw EvaluationError(
                message: "invalid duration '\(text)'; write it like 90m, 12h, 7d or 1h30m",
                code: .invalidArgument
            )
        }
        return .duration(span)
    }

    @Sendable private static func timestamp(_ value: Value) throws(EvaluationError) -> Value {
        if case .timestamp = value { return value }
        let text = try Argument.string(value, 0, of: "timestamp")
        guard let timestamp = Timestamp(rfc3339: text) else {
            throw EvaluationError(
                message: "invalid timestamp '\(text)'; write it in RFC 3339, like 2026-11-22T10:40:00Z",
                code: .invalidArgument
            )
        }
        return .timestamp(timestamp)
    }

    /// Midnight UTC of a `YYYY-MM-DD` date, or of the day of a timestamp (given as such or as
    /// RFC 3339 text).
    @Sendable private static func date(_ value: Value) throws(EvaluationError) -> Value {
        let instant: Timestamp
        switch value {
        case .timestamp(let timestamp):
            instant = timestamp
        case .string(let text):
            guard let parsed = Timestamp(date: text) ?? Timestamp(rfc3339: text) else {
                throw EvaluationError(
                    message: "invalid date '\(text)'; write it like 2026-11-22",
                    code: .invalidArgument
                )
            }
            instant = parsed
        default:
            throw Argument.mismatch(value, 0, of: "date", expected: [.string, .timestamp])
        }
        let ms = instant.milliseconds
        let days = ms >= 0 ? ms / millisecondsPerDay : (ms - millisecondsPerDay + 1) / millisecondsPerDay
        return .timestamp(Timestamp(milliseconds: days * millisecondsPerDay))
    }
}
