/// The static typing rules of the operators.
///
/// A `dyn` operand stands for every kind at once: an operation is an error only when no kind
/// the operand might have makes it work, and its result is known when every kind that works
/// gives the same one (`x + 1` is a number whatever `x` turns out to be).
enum TypeChecker {
    /// One type of each kind, standing in for a `dyn` operand.
    private static let everyKind: [ValueType] = [
        .bool, .number, .string, .timestamp, .duration, .list(.dyn), .map(.dyn),
    ]

    private static func candidates(_ type: ValueType) -> [ValueType] {
        switch type {
        case .dyn, .null: everyKind
        case .record: [.map(.dyn)]
        default: [type]
        }
    }

    /// The result of `left op right` for `+ - * / %`, or nil when it can never work.
    static func arithmetic(_ op: BinaryOperator, _ left: ValueType, _ right: ValueType) -> ValueType? {
        var results: [ValueType] = []
        for l in candidates(left) {
            for r in candidates(right) {
                if let result = concreteArithmetic(op, l, r), !results.contains(result) { results.append(result) }
            }
        }
        return results.reduce(nil, ValueType.join)
    }

    private static func concreteArithmetic(_ op: BinaryOperator, _ left: ValueType, _ right: ValueType) -> ValueType? {
        switch (op, left, right) {
        case (_, .number, .number): .number
        case (.add, .string, .string): .string
        case (.add, .timestamp, .duration), (.add, .duration, .timestamp), (.subtract, .timestamp, .duration):
            .timestamp
        case (.subtract, .timestamp, .timestamp), (.add, .duration, .duration), (.subtract, .duration, .duration):
            .duration
        case (.multiply, .duration, .number), (.multiply, .number, .duration), (.divide, .duration, .number): .duration
        case (.divide, .duration, .duration): .number
        case (.add, .list(let a), .list(let b)): .list(ValueType.join(a, b))
        default: nil
        }
    }

    /// The result of unary `-`, or nil when it can never work.
    static func negation(_ type: ValueType) -> ValueType? {
        switch type {
        case .dyn, .null: .dyn
        case .number, .duration: type
        default: nil
        }
    }

    /// Why `left < right` can never work, or nil when it can.
    static func orderingProblem(_ left: ValueType, _ right: ValueType) -> String? {
        if !left.isDynamic, !right.isDynamic, left.kinds != right.kinds {
            return "cannot compare \(left) with \(right)"
        }
        for side in [left, right] where !side.isDynamic && !Kinds.ordered.contains(side.kinds) {
            return "cannot order values of type \(side); only numbers, strings, timestamps and durations have an order"
        }
        return nil
    }

    /// Why `left == right` can never be true, or nil when it can.
    static func equalityProblem(_ left: ValueType, _ right: ValueType) -> String? {
        left.isCompatible(with: right) ? nil : "cannot compare \(left) with \(right)"
    }

    /// Why `element in container` can never work, or nil when it can.
    static func membershipProblem(_ element: ValueType, _ container: ValueType) -> String? {
        switch container {
        case .dyn, .null: nil
        case .list(let member): element.isCompatible(with: member) ? nil : "cannot look for \(element) in \(container)"
        case .map, .record:
            element.isCompatible(with: .string) ? nil : "cannot look for \(element) in a map; its keys are strings"
        default: "'in' needs a list or map on its right, not \(container)"
        }
    }

    /// Whether values of `type` can be ordered (for sort, min, max, max_by).
    static func isOrdered(_ type: ValueType) -> Bool { type.isDynamic || Kinds.ordered.contains(type.kinds) }
}
