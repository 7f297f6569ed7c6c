import ContextdEvents

/// Numbers: `abs floor ceil round sqrt log exp pow clamp sigmoid min max`.
extension Builtins {
    static let math: [Builtin] = [
        Builtin(
            "abs",
            arity: .exactly(1),
            check: { types throws(TypeProblem) in
                try Builtin.require(types, 0, [.number, .duration], of: "abs")
                return types[0].isDynamic ? .dyn : types[0]
            },
            .unary { value throws(EvaluationError) in
                switch value {
                case .number(let number): return .number(number.magnitude)
                case .duration(let span): return .duration(span.milliseconds < 0 ? -span : span)
                default: throw Argument.mismatch(value, 0, of: "abs", expected: [.number, .duration])
                }
            }
        ),
        numeric("floor") { $0.rounded(.down) },
        numeric("ceil") { $0.rounded(.up) },
        numeric("exp", Math.exponential),
        numeric("sigmoid") { 1 / (1 + Math.exponential(-$0)) },
        Builtin(
            "sqrt",
            [.number],
            .number,
            .unary { value throws(EvaluationError) in
                let number = try Argument.number(value, 0, of: "sqrt")
                guard number >= 0 else { throw outOfDomain("sqrt", number, "a negative number") }
                return .number(number.squareRoot())
            }
        ),
        Builtin(
            "log",
            [.number],
            .number,
            .unary { value throws(EvaluationError) in
                let number = try Argument.number(value, 0, of: "log")
                guard number > 0 else { throw outOfDomain("log", number, "zero or a negative number") }
                return .number(Math.naturalLog(number))
            }
        ),
        Builtin(
            "pow",
            [.number, .number],
            .number,
            .binary { base, exponent throws(EvaluationError) in
                .number(
                    Math.power(try Argument.number(base, 0, of: "pow"), try Argument.number(exponent, 1, of: "pow"))
                )
            }
        ),
        Builtin(
            "round",
            arity: .range(1...2),
            check: Builtin.fixed("round", [.number, .number], .number),
            .variadic(round)
        ),
        Builtin("clamp", [.number, .number, .number], .number, .variadic(clamp)),
        extreme("min", sign: -1),
        extreme("max", sign: 1),
    ]

    private static func numeric(_ name: String, _ function: @escaping @Sendable (Double) -> Double) -> Builtin {
        Builtin(
            name,
            [.number],
            .number,
            .unary { value throws(EvaluationError) in
                .number(function(try Argument.number(value, 0, of: name)))
            }
        )
    }

    private static func outOfDomain(_ name: String, _ number: Double, _ what: String) -> EvaluationError {
        EvaluationError(
            message: "'\(name)' is not defined for \(what) (\(Rendering.number(number)))",
            code: .invalidArgument
        )
    }

    /// `round(x)` to a whole number, `round(x, digits)` to decimals; halves away from zero.
    @Sendable private static func round(_ values: [Value]) throws(EvaluationError) -> Value {
        let number = try Argument.number(values[0], 0, of: "round")
        let digits = values.count > 1 ? try Argument.count(values[1], 1, of: "round", in: 0...15) : 0
        guard let decimal = DecimalDigits(number, decimals: digits) else { return .number(number) }
        return .number(Double(decimal.plain) ?? number)
    }

    @Sendable private static func clamp(_ values: [Value]) throws(EvaluationError) -> Value {
        let number = try Argument.number(values[0], 0, of: "clamp")
        let low = try Argument.number(values[1], 1, of: "clamp")
        let high = try Argument.number(values[2], 2, of: "clamp")
        guard low <= high else {
            throw EvaluationError(
                message: "'clamp' needs its lower bound \(Rendering.number(low)) at most its upper bound "
                    + Rendering.number(high),
                code: .invalidArgument
            )
        }
        return .number(min(max(number, low), high))
    }

    /// `min`/`max` of numbers, timestamps or durations (all of one kind), given as arguments or
    /// as one list; null for an empty list.
    private static func extreme(_ name: String, sign: Int) -> Builtin {
        Builtin(
            name,
            arity: .atLeast(1),
            check: checkExtreme(name),
            .variadic { values throws(EvaluationError) in
                var candidates = values
                if values.count == 1, case .list(let elements) = values[0] { candidates = elements }
                guard var best = candidates.first else { return .null }
                for (index, candidate) in candidates.enumerated() {
                    guard Kinds([.number, .timestamp, .duration]).contains(candidate.kind) else {
                        throw Argument.mismatch(
                            candidate,
                            values.count == 1 ? 0 : index,
                            of: name,
                            expected: [.number, .timestamp, .duration]
                        )
                    }
                    if try Operators.compare(candidate, best, at: .unknown) * sign > 0 { best = candidate }
                }
                return best
            }
        )
    }

    private static func checkExtreme(_ name: String) -> Builtin.Check {
        { types throws(TypeProblem) in
            let ordered: Kinds = [.number, .timestamp, .duration]
            if types.count == 1 {
                try Builtin.require(types, 0, ordered.union(.list), of: name)
                return types[0].kinds == .list ? Builtins.element(of: types[0]) : types[0]
            }
            var common: ValueType?
            for (index, type) in types.enumerated() {
                try Builtin.require(types, index, ordered, of: name)
                guard !type.isDynamic else { continue }
                if let common, common != type {
                    throw TypeProblem(
                        message: "the arguments of '\(name)' must all be numbers, all timestamps or all durations, "
                            + "not \(common) and \(type)",
                        argument: index
                    )
                }
                common = type
            }
            return common ?? .dyn
        }
    }
}
