import ContextdEvents

/// Values as text, for templates and `string()`.
///
/// Task titles and descriptions are read by people in a CRM: strings appear as they are,
/// whole numbers without `.0`, null as nothing; lists and maps as compact JSON.
enum Rendering {
    static func text(_ value: Value) -> String {
        switch value {
        case .null: ""
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number): self.number(number)
        case .string(let text): text
        case .timestamp(let timestamp): timestamp.rfc3339
        case .duration(let span): span.description
        case .list, .object: JSON.encode(value)
        }
    }

    /// `3` rather than `3.0`; otherwise the shortest text that reads back as the same number.
    static func number(_ number: Double) -> String {
        if number.isFinite, number.rounded(.towardZero) == number, number.magnitude <= 9_007_199_254_740_992 {
            return String(Int64(number))
        }
        return number.description
    }
}
