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
        var text = String(format: "%.4f", x)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
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
