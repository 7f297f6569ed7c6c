import ContextdEvents

/// What reading a value costs in budget steps (``Activation/stepsLeft``): its elements, keys
/// or UTF-8 bytes; a scalar costs nothing. Counted once per call of a built-in or operator
/// whose work grows with its input (`sort`, `join`, `in`, `+` of lists), so a rule cannot do
/// unbounded work outside a comprehension either.
enum StepCost {
    @inline(__always)
    static func of(_ value: Value) -> Int {
        switch value {
        case .list(let elements): elements.count
        case .string(let text): text.utf8.count
        case .object(let fields): fields.count
        default: 0
        }
    }
}
