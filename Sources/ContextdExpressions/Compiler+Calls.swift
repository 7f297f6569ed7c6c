import ContextdEvents

/// Function calls: special forms, host functions, built-ins.
extension Compiler {
    mutating func compileCall(
        _ name: String,
        nameRange: SourceRange,
        receiver: Syntax?,
        arguments: [Syntax],
        range: SourceRange,
        in scope: Scope
    ) -> Compiled {
        let syntaxes = (receiver.map { [$0] } ?? []) + arguments
        if let form = SpecialForm(rawValue: name) {
            return compileSpecialForm(form, syntaxes, nameRange: nameRange, range: range, in: scope)
        }
        if let function = environment.functions[name] {
            return compileHostCall(function, syntaxes, nameRange: nameRange, range: range, in: scope)
        }
        if let builtin = Builtins.table[name] {
            if let keyed = Self.keyedForm[name], syntaxes.count == 3, case .identifier = syntaxes[1].kind {
                // `items.sort(x, x.amount)`: the keyed form was meant; the name it binds is no
                // unknown identifier, so say that one thing.
                _ = compile(syntaxes[0], in: scope)
                report("'\(name)' takes \(builtin.arity), got 3; to order by a key, use '\(keyed)': "
                    + "items.\(keyed)(x, x.amount)", nameRange)
                return .failed
            }
            return compileBuiltinCall(builtin, syntaxes, nameRange: nameRange, range: range, in: scope)
        }
        for syntax in syntaxes { _ = compile(syntax, in: scope) }
        if scope.local(named: name) != nil || environment.valueNames.contains(name) {
            report("'\(name)' is not a function", nameRange)
        } else {
            reportUnknown("function", name, nameRange, among: environment.functionNames)
        }
        return .failed
    }

    /// Built-ins of one argument whose keyed form is a comprehension, for the mistake of giving
    /// them a key (`max` and `min` take several numbers, so three arguments are no mistake there).
    static let keyedForm: [String: String] = ["sort": "sort_by"]

    /// Reports a wrong argument count; true when the count is right.
    mutating func checkArity(_ arity: Arity, of name: String, count: Int, at range: SourceRange) -> Bool {
        guard arity.accepts(count) else {
            report("'\(name)' takes \(arity), got \(count)", range)
            return false
        }
        return true
    }

    private mutating func compileBuiltinCall(
        _ builtin: Builtin,
        _ syntaxes: [Syntax],
        nameRange: SourceRange,
        range: SourceRange,
        in scope: Scope
    ) -> Compiled {
        let arguments = syntaxes.map { compile($0, in: scope) }
        guard checkArity(builtin.arity, of: builtin.name, count: arguments.count, at: nameRange) else { return .failed }
        let type: ValueType
        do throws(TypeProblem) {
            type = try builtin.check(arguments.map(\.type))
        } catch {
            report(error.message, error.argument.map { syntaxes[$0].range } ?? range)
            return .failed
        }
        let compiled = Compiled(
            type: type,
            evaluate: builtin.evaluator(arguments.map(\.evaluate), at: runtimeRange(range))
        )
        guard arguments.allSatisfy({ $0.constant != nil }) else { return compiled }
        do throws(EvaluationError) {
            return .constant(try compiled.evaluate(Activation()), type: type)
        } catch {
            guard builtin.validatesConstants else { return compiled }
            report(error.message, range)
            return .failed
        }
    }

    private mutating func compileHostCall(
        _ function: FunctionDeclaration,
        _ syntaxes: [Syntax],
        nameRange: SourceRange,
        range: SourceRange,
        in scope: Scope
    ) -> Compiled {
        guard let arguments = compileHostArguments(function, syntaxes, nameRange: nameRange, range: range, in: scope)
        else { return .failed }
        let (implementation, at) = (function.implementation, runtimeRange(range))
        return Compiled(type: function.result) { activation throws(EvaluationError) in
            let values = try arguments(activation)
            do throws(EvaluationError) {
                return try implementation(values, activation)
            } catch {
                throw error.located(at: at)
            }
        }
    }

    /// `f(x).name` for a host function that reads one field of its result on its own
    /// (``FunctionDeclaration/field``); nil for any other receiver.
    mutating func compileHostField(
        of receiver: Syntax,
        _ name: String,
        nameRange: SourceRange,
        range: SourceRange,
        in scope: Scope
    ) -> Compiled? {
        guard case .call(let functionName, let functionRange, nil, let argumentSyntaxes) = receiver.kind,
            SpecialForm(rawValue: functionName) == nil, let function = environment.functions[functionName],
            let field = function.field
        else { return nil }
        guard
            let arguments = compileHostArguments(
                function, argumentSyntaxes, nameRange: functionRange, range: receiver.range, in: scope),
            let type = fieldType(of: function.result, name, nameRange: nameRange, on: text(receiver.range))
        else { return .failed }
        let (implementation, call, at) = (function.implementation, runtimeRange(receiver.range), runtimeRange(range))
        return Compiled(type: type) { activation throws(EvaluationError) in
            let values = try arguments(activation)
            let whole: Value
            do throws(EvaluationError) {
                if let value = try field(values, name, activation) { return value }
                whole = try implementation(values, activation)
            } catch {
                throw error.located(at: call)
            }
            return try Access.field(name, of: whole, at: at)
        }
    }

    /// Compiles and checks a host function's arguments; the evaluator gives their values,
    /// each checked against its parameter's kinds (null always accepted).
    private mutating func compileHostArguments(
        _ function: FunctionDeclaration,
        _ syntaxes: [Syntax],
        nameRange: SourceRange,
        range: SourceRange,
        in scope: Scope
    ) -> (@Sendable (Activation) throws(EvaluationError) -> [Value])? {
        let arguments = syntaxes.map { compile($0, in: scope) }
        reads.readsAnything = true
        let count = function.parameters.count
        guard checkArity(.exactly(count), of: function.name, count: arguments.count, at: nameRange) else {
            return nil
        }
        var compatible = true
        for (index, (argument, parameter)) in zip(arguments, function.parameters).enumerated()
        where !argument.type.isCompatible(with: parameter) {
            report(
                "argument \(index + 1) of '\(function.name)' must be \(parameter.kinds.phrase), not \(argument.type)",
                syntaxes[index].range
            )
            compatible = false
        }
        guard compatible else { return nil }
        let evaluators = arguments.map(\.evaluate)
        let accepted = function.parameters.map { $0.kinds.union(.null) }
        let (name, at) = (function.name, runtimeRange(range))
        return { activation throws(EvaluationError) in
            var values: [Value] = []
            values.reserveCapacity(evaluators.count)
            for (index, evaluate) in evaluators.enumerated() {
                let value = try evaluate(activation)
                guard accepted[index].contains(value.kind) else {
                    throw Argument.mismatch(value, index, of: name, expected: accepted[index].subtracting(.null))
                        .located(at: at)
                }
                values.append(value)
            }
            return values
        }
    }
}
