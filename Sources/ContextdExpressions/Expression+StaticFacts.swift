public import ContextdEvents

/// What `check` can tell about an expression without running a rule: for its warnings, never
/// for evaluation. Each answer is nil or false unless it is certain.
extension Expression {
    /// The constant duration `source` adds to one of `bases` (`task.created_at +
    /// duration("3h")`, `duration("3h") + now`); nil when it is not of that form.
    public static func constantOffset(of source: String, from bases: Set<String>) -> TimeSpan? {
        var parser = Parser(bytes: Array(source.utf8))
        let syntax = parser.parseWhole()
        guard parser.diagnostics.isEmpty else { return nil }
        if let path = syntax.path, bases.contains(path) { return TimeSpan(milliseconds: 0) }
        guard case .binary(.add, let left, let right) = syntax.kind else { return nil }
        if let path = left.path, bases.contains(path) { return right.durationLiteral }
        if let path = right.path, bases.contains(path) { return left.durationLiteral }
        return nil
    }

    /// True when one of `conditions` (all of which must hold) has a part joined by `&&` that
    /// reads nothing but the fields `facts` gives of `record` and is false with them — so the
    /// conditions are false whatever else the record holds: `task.where in ["email"] &&
    /// task.priority < 80` is false for a task whose `where` is `phone`.
    public static func isFalse(_ conditions: [String], whenever record: String, has facts: [String: Value]) -> Bool {
        var environment = Environment()
        let slot = environment.declare(record, type: .dyn)
        for source in conditions {
            var parser = Parser(bytes: Array(source.utf8))
            let syntax = parser.parseWhole()
            guard parser.diagnostics.isEmpty else { continue }
            for part in syntax.conjuncts where part.readsOnly(record, fields: facts) {
                var compiler = Compiler(environment: environment, bytes: Array(source.utf8))
                let compiled = compiler.compile(part, in: Scope())
                guard compiler.diagnostics.isEmpty else { continue }
                let activation = Activation(environment: environment)
                activation.set(slot, .object(facts))
                if (try? compiled.evaluate(activation)) == .bool(false) { return true }
            }
        }
        return false
    }
}

extension Syntax {
    /// `a.b.c` for a chain of field reads from an identifier; nil for anything else.
    fileprivate var path: String? {
        switch kind {
        case .identifier(let name): name
        case .field(let receiver, let name, _): receiver.path.map { $0 + "." + name }
        default: nil
        }
    }

    /// The span of `duration("3h")` with a literal argument.
    fileprivate var durationLiteral: TimeSpan? {
        guard case .call("duration", _, .none, let arguments) = kind, arguments.count == 1,
            case .literal(.string(let text)) = arguments[0].kind
        else { return nil }
        return TimeSpan(parsing: text)
    }

    /// The parts joined by top-level `&&`.
    fileprivate var conjuncts: [Syntax] {
        guard case .binary(.and, let left, let right) = kind else { return [self] }
        return left.conjuncts + right.conjuncts
    }

    /// True when every name read is `record.<field>` with a field in `fields`, and there is
    /// no comprehension (whose variable would be a name of its own).
    fileprivate func readsOnly(_ record: String, fields: [String: Value]) -> Bool {
        switch kind {
        case .identifier: return false
        case .field(let receiver, let name, _):
            if case .identifier(record) = receiver.kind { return fields[name] != nil }
            return receiver.readsOnly(record, fields: fields)
        case .call(let name, _, _, _) where SpecialForm(rawValue: name) != nil: return false
        default: return children.allSatisfy { $0.readsOnly(record, fields: fields) }
        }
    }
}
