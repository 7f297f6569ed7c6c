import ContextdEvents
import Foundation

/// Values as an explain trace shows them to people: numbers rounded to four decimals, long
/// lists cut to their last elements (the most recent, in a history), long text cut.
enum ValueText {
    static func render(_ value: Value, limit: Int = 240) -> String {
        let text = compact(value)
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "…"
    }

    static func number(_ x: Double) -> String {
        if x.isFinite, x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        if let text = fourDecimals(x) { return text }
        var text = String(format: "%.4f", x)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// What `String(format: "%.4f", x)` gives, without its trailing zeros, for |x| < 100,000
    /// away from a rounding tie; nil otherwise. Foundation's formatting took about 3,800
    /// instructions per number, and an explanation shows dozens.
    ///
    /// `%.4f` rounds the exact binary value. `x * 10,000` is within 10⁻⁷ of it in this range,
    /// so when it is more than 10⁻⁶ from a half, both round to the same whole number.
    static func fourDecimals(_ x: Double) -> String? {
        let scaled = x.magnitude * 10_000
        guard scaled < 1e9 else { return nil }  // also NaN and infinity
        let rounded = scaled.rounded()
        guard (scaled - rounded).magnitude < 0.5 - 1e-6 else { return nil }
        let units = Int(rounded)
        var text = (x < 0 ? "-" : "") + String(units / 10_000)
        var fraction = units % 10_000
        guard fraction != 0 else { return text }
        var digits = 4
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let shown = String(fraction)
        text += "." + String(repeating: "0", count: digits - shown.count) + shown
        return text
    }

    /// A contribution with its sign: `+3.2258`, `-0.5`.
    static func signed(_ x: Double) -> String { (x >= 0 ? "+" : "") + number(x) }

    private static func compact(_ value: Value) -> String {
        switch value {
        case .number(let x): return number(x)
        case .list(let items):
            let shown = items.suffix(3).map(compact)
            let earlier = items.count - shown.count
            return "[" + (earlier > 0 ? "… \(earlier) earlier, " : "") + shown.joined(separator: ", ") + "]"
        case .object(let fields):
            return "{" + fields.keys.sorted().map { JSON.encode(.string($0)) + ": " + compact(fields[$0]!) }
                .joined(separator: ", ") + "}"
        case .timestamp(let time): return time.rfc3339
        case .duration(let span): return span.description
        default: return JSON.encode(value)
        }
    }
}
