import ContextdEvents

/// Collections: `size first last sum avg count sort reverse keys values`.
extension Builtins {
    static let lists: [Builtin] = [
        Builtin(
            "size",
            [[.string, .list, .map]],
            .number,
            .unary { value throws(EvaluationError) in
                switch value {
                case .string(let text): return .number(Double(text.count))
                case .list(let elements): return .number(Double(elements.count))
                case .object(let fields): return .number(Double(fields.count))
                default: throw Argument.mismatch(value, 0, of: "size", expected: [.string, .list, .map])
                }
            }
        ),
        Builtin(
            "count",
            [[.list, .map]],
            .number,
            .unary { value throws(EvaluationError) in
                switch value {
                case .list(let elements): return .number(Double(elements.count))
                case .object(let fields): return .number(Double(fields.count))
                default: throw Argument.mismatch(value, 0, of: "count", expected: [.list, .map])
                }
            }
        ),
        Builtin(
            "first",
            arity: .exactly(1),
            check: elementResult("first"),
            .unary { value throws(EvaluationError) in
                try Argument.list(value, 0, of: "first").first ?? .null
            }
        ),
        Builtin(
            "last",
            arity: .exactly(1),
            check: elementResult("last"),
            .unary { value throws(EvaluationError) in
                try Argument.list(value, 0, of: "last").last ?? .null
            }
        ),
        Builtin(
            "sum",
            arity: .exactly(1),
            check: checkAggregate("sum"),
            .unary { value throws(EvaluationError) in
                try total(of: try Argument.list(value, 0, of: "sum"), for: "sum").value
            }
        ),
        Builtin("avg", arity: .exactly(1), check: checkAggregate("avg"), .unary(average)),
        Builtin("sort", arity: .exactly(1), check: checkSort, .unary(sort)),
        Builtin(
            "reverse",
            arity: .exactly(1),
            check: { types throws(TypeProblem) in
                try Builtin.require(types, 0, .list, of: "reverse")
                return types[0].isDynamic ? .list(.dyn) : types[0]
            },
            .unary { value throws(EvaluationError) in .list(try Argument.list(value, 0, of: "reverse").reversed()) }
        ),
        Builtin(
            "keys",
            [.map],
            .list(.string),
            .unary { value throws(EvaluationError) in
                .list(try Argument.object(value, 0, of: "keys").keys.sorted().map(Value.string))
            }
        ),
        Builtin(
            "values",
            arity: .exactly(1),
            check: { types throws(TypeProblem) in
                try Builtin.require(types, 0, .map, of: "values")
                if case .map(let element) = types[0] { return .list(element) }
                return .list(.dyn)
            },
            .unary { value throws(EvaluationError) in
                let fields = try Argument.object(value, 0, of: "values")
                return .list(fields.keys.sorted().map { fields[$0]! })
            }
        ),
    ]

    /// For `first`/`last`: the list's element type.
    private static func elementResult(_ name: String) -> Builtin.Check {
        { types throws(TypeProblem) in
            try Builtin.require(types, 0, .list, of: name)
            return Builtins.element(of: types[0])
        }
    }

    /// For `sum`/`avg`: a list of numbers gives a number, of durations a duration.
    private static func checkAggregate(_ name: String) -> Builtin.Check {
        { types throws(TypeProblem) in
            try Builtin.require(types, 0, .list, of: name)
            let element = Builtins.element(of: types[0])
            guard element.isDynamic || element == .number || element == .duration else {
                throw TypeProblem(
                    message: "'\(name)' needs a list of numbers or durations, not \(types[0])",
                    argument: 0
                )
            }
            return element.isDynamic ? .dyn : element
        }
    }

    private static let checkSort: Builtin.Check = { types throws(TypeProblem) in
        try Builtin.require(types, 0, .list, of: "sort")
        guard TypeChecker.isOrdered(Builtins.element(of: types[0])) else {
            throw TypeProblem(
                message: "'sort' needs a list of numbers, strings, timestamps or durations, not \(types[0])",
                argument: 0
            )
        }
        return types[0].isDynamic ? .list(.dyn) : types[0]
    }

    /// The sum of numbers or of durations (0 for an empty list).
    private static func total(
        of elements: [Value],
        for name: String
    ) throws(EvaluationError) -> (value: Value, count: Int) {
        guard case .duration = elements.first else {
            var sum = 0.0
            for element in elements {
                guard case .number(let number) = element else { throw aggregateMismatch(name, element) }
                sum += number
            }
            return (.number(sum), elements.count)
        }
        var sum = TimeSpan(milliseconds: 0)
        for element in elements {
            guard case .duration(let span) = element else { throw aggregateMismatch(name, element) }
            sum = sum + span
        }
        return (.duration(sum), elements.count)
    }

    private static func aggregateMismatch(_ name: String, _ element: Value) -> EvaluationError {
        EvaluationError(
            message: "'\(name)' needs a list of numbers or of durations, not one holding a \(element.kindName)",
            code: element.isNull ? .nullAccess : .typeMismatch
        )
    }

    /// The mean of numbers or durations; null for an empty list.
    @Sendable private static func average(_ value: Value) throws(EvaluationError) -> Value {
        let elements = try Argument.list(value, 0, of: "avg")
        guard !elements.isEmpty else { return .null }
        switch try total(of: elements, for: "avg").value {
        case .duration(let sum):
            return .duration(try Operators.scale(sum, by: 1 / Double(elements.count), at: .unknown))
        case .number(let sum): return .number(sum / Double(elements.count))
        default: return .null
        }
    }

    /// Ascending; all elements must be numbers, strings, timestamps or durations of one kind.
    @Sendable private static func sort(_ value: Value) throws(EvaluationError) -> Value {
        let elements = try Argument.list(value, 0, of: "sort")
        guard let first = elements.first else { return value }
        for element in elements where element.kind != first.kind || !Kinds.ordered.contains(element.kind) {
            throw EvaluationError(
                message: "'sort' needs numbers, strings, timestamps or durations of one kind, "
                    + "not \(first.kindName) and \(element.kindName)",
                code: element.isNull ? .nullAccess : .typeMismatch
            )
        }
        return .list(elements.sorted { (try? Operators.compare($0, $1, at: .unknown)) == -1 })
    }
}
