import ContextdEvents

/// Unary and binary operators.
extension Compiler {
    mutating func compileUnary(
        _ op: UnaryOperator,
        _ operandSyntax: Syntax,
        range: SourceRange,
        in scope: Scope
    ) -> Compiled {
        let operand = compile(operandSyntax, in: scope)
        let (evaluate, at) = (operand.evaluate, runtimeRange(range))
        switch op {
        case .not:
            guard operand.type.isCompatible(with: .bool) else {
                report("'!' needs a bool, not \(operand.type)", range)
                return .failed
            }
            return Compiled(type: .bool) { activation throws(EvaluationError) in
                .bool(!(try Operators.truth(try evaluate(activation), "'!' needs a bool", at: at)))
            }.folded([operand])
        case .negate:
            guard let type = TypeChecker.negation(operand.type) else {
                report("cannot apply '-' to \(operand.type)", range)
                return .failed
            }
            return Compiled(type: type) { activation throws(EvaluationError) in
                try Operators.negate(try evaluate(activation), at: at)
            }.folded([operand])
        }
    }

    mutating func compileBinary(
        _ op: BinaryOperator,
        _ leftSyntax: Syntax,
        _ rightSyntax: Syntax,
        range: SourceRange,
        in scope: Scope
    ) -> Compiled {
        let left = compile(leftSyntax, in: scope)
        let right = compile(rightSyntax, in: scope)
        switch op {
        case .and, .or:
            return compileLogical(op, left, right, leftRange: leftSyntax.range, rightRange: rightSyntax.range)
        case .coalesce:
            return compileCoalesce(left, right)
        default:
            let problem: String? =
                switch op {
                case .equal, .notEqual: TypeChecker.equalityProblem(left.type, right.type)
                case .in: TypeChecker.membershipProblem(left.type, right.type)
                case _ where op.isOrdering: TypeChecker.orderingProblem(left.type, right.type)
                default: nil
                }
            if let problem {
                report(problem, range)
                return .failed
            }
            var type = ValueType.bool
            if op.isArithmetic {
                guard let result = TypeChecker.arithmetic(op, left.type, right.type) else {
                    report("cannot apply '\(op.rawValue)' to \(left.type) and \(right.type)", range)
                    return .failed
                }
                type = result
            }
            return Compiled(
                type: type,
                evaluate: Compiler.evaluator(op, left.evaluate, right.evaluate, at: runtimeRange(range))
            )
            .folded([left, right])
        }
    }

    /// The evaluator of a strict (non-short-circuit) binary operator.
    private static func evaluator(
        _ op: BinaryOperator,
        _ left: @escaping Evaluator,
        _ right: @escaping Evaluator,
        at range: SourceRange
    ) -> Evaluator {
        let apply: @Sendable (Value, Value) throws(EvaluationError) -> Value
        switch op {
        case .add: apply = { l, r throws(EvaluationError) in try Operators.add(l, r, at: range) }
        case .subtract: apply = { l, r throws(EvaluationError) in try Operators.subtract(l, r, at: range) }
        case .multiply: apply = { l, r throws(EvaluationError) in try Operators.multiply(l, r, at: range) }
        case .divide: apply = { l, r throws(EvaluationError) in try Operators.divide(l, r, at: range) }
        case .remainder: apply = { l, r throws(EvaluationError) in try Operators.remainder(l, r, at: range) }
        case .equal: apply = { l, r in .bool(l == r) }
        case .notEqual: apply = { l, r in .bool(l != r) }
        case .less: apply = { l, r throws(EvaluationError) in .bool(try Operators.compare(l, r, at: range) < 0) }
        case .lessEqual: apply = { l, r throws(EvaluationError) in .bool(try Operators.compare(l, r, at: range) <= 0) }
        case .greater: apply = { l, r throws(EvaluationError) in .bool(try Operators.compare(l, r, at: range) > 0) }
        case .greaterEqual:
            apply = { l, r throws(EvaluationError) in .bool(try Operators.compare(l, r, at: range) >= 0) }
        case .in: apply = { l, r throws(EvaluationError) in .bool(try Operators.contains(l, in: r, at: range)) }
        case .and, .or, .coalesce: preconditionFailure("short-circuit operators have their own evaluators")
        }
        switch op {
        case .in:
            // Proportional to the list or string searched.
            return { activation throws(EvaluationError) in
                let (element, container) = (try left(activation), try right(activation))
                try activation.spend(StepCost.of(container), at: range)
                return try apply(element, container)
            }
        case .add:
            // Joining lists or strings is proportional to the result.
            return { activation throws(EvaluationError) in
                let sum = try apply(try left(activation), try right(activation))
                try activation.spend(StepCost.of(sum), at: range)
                return sum
            }
        default:
            return { activation throws(EvaluationError) in try apply(try left(activation), try right(activation)) }
        }
    }

    /// `&&` and `||`, left to right, the right side evaluated only when it decides.
    private mutating func compileLogical(
        _ op: BinaryOperator,
        _ left: Compiled,
        _ right: Compiled,
        leftRange: SourceRange,
        rightRange: SourceRange
    ) -> Compiled {
        let requirement = "'\(op.rawValue)' needs bool values"
        requireBool(left, requirement, leftRange)
        requireBool(right, requirement, rightRange)
        let decisive = op == .or
        if case .bool(decisive)? = left.constant { return .constant(.bool(decisive)) }
        let (first, second) = (left.evaluate, right.evaluate)
        let (firstAt, secondAt) = (runtimeRange(leftRange), runtimeRange(rightRange))
        return Compiled(type: .bool) { activation throws(EvaluationError) in
            if try Operators.truth(try first(activation), requirement, at: firstAt) == decisive {
                return .bool(decisive)
            }
            return .bool(try Operators.truth(try second(activation), requirement, at: secondAt))
        }.folded([left, right])
    }

    /// `a ?? b`: `a` unless it is null or failed for want of a value (missing field, null access).
    private func compileCoalesce(_ left: Compiled, _ right: Compiled) -> Compiled {
        let type = left.type == .null ? right.type : ValueType.join(left.type, right.type)
        if let value = left.constant, !value.isNull { return .constant(value, type: type) }
        let (primary, fallback) = (left.evaluate, right.evaluate)
        return Compiled(type: type) { activation throws(EvaluationError) in
            do throws(EvaluationError) {
                let value = try primary(activation)
                if !value.isNull { return value }
            } catch {
                guard error.isMissingValue else { throw error }
            }
            return try fallback(activation)
        }.folded([left, right])
    }
}
