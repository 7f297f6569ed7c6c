/// A length of time in milliseconds, written in rules as `12h`, `90m`, `1h30m`, `7d`.
///
/// Named `TimeSpan` rather than `Duration` so that it never shadows the standard library's
/// `Duration`, which the adapters use for real (wall-clock) waits.
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func seconds(_ s: Int64) -> TimeSpan { TimeSpan(milliseconds: s * 1000) }
    public static func minutes(_ m: Int64) -> TimeSpan { TimeSpan(milliseconds: m * 60_000) }
    public static func hours(_ h: Int64) -> TimeSpan { TimeSpan(milliseconds: h * 3_600_000) }
    public static func days(_ d: Int64) -> TimeSpan { TimeSpan(milliseconds: d * 86_400_000) }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.milliseconds < rhs.milliseconds }
    public static func + (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan {
        TimeSpan(milliseconds: lhs.milliseconds &+ rhs.milliseconds)
    }
    public static func - (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan {
        TimeSpan(milliseconds: lhs.milliseconds &- rhs.milliseconds)
    }
    public static prefix func - (span: TimeSpan) -> TimeSpan { TimeSpan(milliseconds: -span.milliseconds) }

    public var hours: Double { Double(milliseconds) / 3_600_000 }

    /// Units accepted in a duration literal, longest suffix first so that `ms` wins over `m`.
    static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000),
    ]

    /// Parses `1h30m`, `7d`, `500ms`, `-2h`, `1.5h`; nil when the text is not a duration.
    public init?(parsing text: some StringProtocol) {
        var rest = Substring(text)
        var negative = false
        if rest.first == "-" {
            negative = true
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let amount = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = TimeSpan.units.first(where: { rest.hasPrefix($0.suffix) }) else { return nil }
            rest = rest.dropFirst(unit.suffix.count)
            total += amount * Double(unit.milliseconds)
        }
        let ms = Int64(total.rounded())
        self.init(milliseconds: negative ? -ms : ms)
    }

    /// Canonical text: the largest units first (`1d2h`, `38m`, `1500ms` becomes `1s500ms`).
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds.magnitude
        var text = milliseconds < 0 ? "-" : ""
        for (suffix, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] as [(String, UInt64)]
        where rest >= size {
            text += "\(rest / size)\(suffix)"
            rest %= size
        }
        return text
    }
}
