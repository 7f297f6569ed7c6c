import ContextdEvents

/// `has`, `matches` and the comprehensions.
extension Compiler {
    mutating func compileSpecialForm(
        _ form: SpecialForm,
        _ syntaxes: [Syntax],
        nameRange: SourceRange,
        range: SourceRange,
        in scope: Scope
    ) -> Compiled {
        switch form {
        case .has:
            guard checkArity(.exactly(1), of: form.rawValue, count: syntaxes.count, at: nameRange) else {
                return .failed
            }
            return compileHas(syntaxes[0], in: scope)
        case .matches:
            guard checkArity(.exactly(2), of: form.rawValue, count: syntaxes.count, at: nameRange) else {
                return .failed
            }
            return compileMatches(syntaxes[0], syntaxes[1], range: range, in: scope)
        default:
            guard syntaxes.count == 3 else {
                report(
                    "'\(form.rawValue)' takes a list, a name and an expression, "
                        + "like items.\(form.rawValue)(x, \(form.example))",
                    nameRange
                )
                return .failed
            }
            return compileComprehension(form, syntaxes, in: scope)
        }
    }

    /// `has(e.f)`: true when `e` has a non-null field `f`. Never fails at run time: any failure
    /// reading `e` means no.
    private mutating func compileHas(_ target: Syntax, in scope: Scope) -> Compiled {
        switch target.kind {
        case .field(let receiver, let name, let nameRange):
            if let record = lazyRecord(receiver, in: scope) {
                guard fieldType(of: record.type, name, nameRange: nameRange, on: record.name) != nil else {
                    return .failed
                }
                let (slot, recordName) = (record.slot, record.name)
                reads.insert(field: name, ofRecordAt: slot)
                return Compiled(type: .bool) { activation in
                    let value = try? activation.field(name, ofRecordAt: slot, named: recordName)
                    return .bool(value.map { !$0.isNull } ?? false)
                }
            }
            let container = compile(receiver, in: scope)
            guard fieldType(of: container.type, name, nameRange: nameRange, on: text(receiver.range)) != nil else {
                return .failed
            }
            let evaluate = container.evaluate
            return Compiled(type: .bool) { activation throws(EvaluationError) in
                guard let value = try? evaluate(activation) else {
                    if activation.isOverBudget { throw activation.budgetExceeded }
                    return .bool(false)
                }
                return .bool(Access.has(name, in: value))
            }.folded([container])
        case .index(let receiver, let key):
            let (container, index) = (compile(receiver, in: scope), compile(key, in: scope))
            let (evaluateContainer, evaluateIndex) = (container.evaluate, index.evaluate)
            return Compiled(type: .bool) { activation throws(EvaluationError) in
                guard let value = try? evaluateContainer(activation), let key = try? evaluateIndex(activation),
                    let element = try? Access.index(value, key, at: .unknown)
                else {
                    if activation.isOverBudget { throw activation.budgetExceeded }
                    return .bool(false)
                }
                return .bool(!element.isNull)
            }.folded([container, index])
        default:
            _ = compile(target, in: scope)
            report("'has' needs a field to test, like has(event.data.lat)", target.range)
            return .failed
        }
    }

    /// `matches(s, 'pattern')`: the pattern is compiled here, once; a search, not a full match.
    private mutating func compileMatches(
        _ textSyntax: Syntax,
        _ patternSyntax: Syntax,
        range: SourceRange,
        in scope: Scope
    )
        -> Compiled
    {
        let subject = compile(textSyntax, in: scope)
        let pattern = compile(patternSyntax, in: scope)
        if !subject.type.isCompatible(with: .string) {
            report("argument 1 of 'matches' must be a string, not \(subject.type)", textSyntax.range)
        }
        guard case .string(let source)? = pattern.constant else {
            report(
                "the pattern of 'matches' must be a string literal, like matches(s, '^[0-9]+$')",
                patternSyntax.range
            )
            return .failed
        }
        let regex: CompiledRegex
        do {
            regex = try CompiledRegex(source)
        } catch {
            // Keeps the literal's range: its escapes may make offsets in the pattern differ
            // from those in the source; the message says where in the pattern.
            report("invalid regular expression '\(source)': \(error)", patternSyntax.range)
            return .failed
        }
        let (evaluate, at) = (subject.evaluate, runtimeRange(range))
        return Compiled(type: .bool) { activation throws(EvaluationError) in
            let value = try evaluate(activation)
            guard case .string(let text) = value else {
                throw Argument.mismatch(value, 0, of: "matches", expected: .string).located(at: at)
            }
            try activation.spend(text.utf8.count, at: at)
            return .bool(regex.matches(text))
        }.folded([subject])
    }

    /// `items.filter(x, predicate)` and friends: the body is compiled with `x` as a local that
    /// shadows any outer name.
    private mutating func compileComprehension(_ form: SpecialForm, _ syntaxes: [Syntax], in scope: Scope) -> Compiled {
        let name = form.rawValue
        let collection = compile(syntaxes[0], in: scope)
        guard case .identifier(let variable) = syntaxes[1].kind else {
            report(
                "the second argument of '\(name)' must be a new name for each element, "
                    + "like items.\(name)(x, \(form.example))",
                syntaxes[1].range
            )
            return .failed
        }
        var elementType = ValueType.dyn
        if let element = collection.type.elementType {
            elementType = element
        } else {
            report("'\(name)' needs a list or map, not \(collection.type)", syntaxes[0].range)
        }
        let body = compile(syntaxes[2], in: scope.adding(variable, type: elementType))
        switch form {
        case .map: break
        case .maxBy, .minBy, .sortBy:
            if !TypeChecker.isOrdered(body.type) {
                report(
                    "'\(name)' needs a number, string, timestamp or duration to compare, not \(body.type)",
                    syntaxes[2].range
                )
            }
        default:
            requireBool(body, "the condition of '\(name)' must be bool", syntaxes[2].range)
        }
        let type: ValueType =
            switch form {
            case .filter, .sortBy: .list(elementType)
            case .map: .list(body.type)
            case .exists, .all: .bool
            case .countIf: .number
            case .maxBy, .minBy, .has, .matches: elementType
            }
        let loop = Comprehension(
            name: name,
            collection: collection.evaluate,
            body: body.evaluate,
            depth: scope.depth,
            collectionRange: runtimeRange(syntaxes[0].range),
            bodyRange: runtimeRange(syntaxes[2].range)
        )
        return Compiled(type: type, evaluate: loop.evaluator(for: form))
    }
}
