import ContextdEvents

/// Conversions: `double string`.
extension Builtins {
    static let conversions: [Builtin] = [
        Builtin(
            "double",
            [[.number, .string, .bool]],
            .number,
            .unary { value throws(EvaluationError) in
                switch value {
                case .number: return value
                case .bool(let flag): return .number(flag ? 1 : 0)
                case .string(let text):
                    guard let number = Double(trimmed(text)), number.isFinite else {
                        throw EvaluationError(message: "cannot read '\(text)' as a number", code: .invalidArgument)
                    }
                    return .number(number)
                default: throw Argument.mismatch(value, 0, of: "double", expected: [.number, .string, .bool])
                }
            }
        ).validatingConstants(),
        Builtin("string", [.any], .string, .unary { value in .string(Rendering.text(value)) }),
    ]
}
