import ContextdEvents

/// Type-checks parsed syntax and turns it into closures, in one walk.
///
/// Checking and closure building happen together because each needs what the other computes
/// for the children (types to pick an evaluator, resolved slots to type a name). Every problem
/// is recorded and compilation continues with a `dyn` stand-in, so one pass reports them all.
struct Compiler {
    let environment: Environment
    /// The source being compiled (a macro's own source while expanding it).
    let bytes: [UInt8]
    /// While expanding a macro: where it is used. Diagnostics and run-time failures inside the
    /// macro point there, since the macro's own text is not where the operator is looking.
    let useSite: SourceRange?
    private(set) var diagnostics: [ExpressionDiagnostic] = []
    /// Every slot and record field the code compiled so far may read.
    var reads = ExpressionReads()
    /// The depth of the outermost comprehension local the code compiled so far reads (`Int.max`:
    /// none). A macro expansion that reads a local of its use site has a value per iteration,
    /// so it is never remembered (``expand(_:named:at:in:)``).
    var outermostLocalRead = Int.max

    init(environment: Environment, bytes: [UInt8], useSite: SourceRange? = nil) {
        self.environment = environment
        self.bytes = bytes
        self.useSite = useSite
    }

    mutating func report(_ message: String, _ range: SourceRange, suggestion: String? = nil) {
        diagnostics.append(ExpressionDiagnostic(message: message, range: range, suggestion: suggestion))
    }

    /// Reports an unknown name, with the closest known one when there is a close one.
    mutating func reportUnknown(_ what: String, _ name: String, _ range: SourceRange, among candidates: Set<String>) {
        if let match = Suggestions.closest(to: name, among: candidates) {
            report("unknown \(what) '\(name)'; did you mean '\(match)'?", range, suggestion: match)
        } else {
            report("unknown \(what) '\(name)'", range)
        }
    }

    /// The range a run-time failure of this syntax reports.
    func runtimeRange(_ range: SourceRange) -> SourceRange { useSite ?? range }

    func text(_ range: SourceRange) -> String { range.text(in: bytes) }

    mutating func compile(_ syntax: Syntax, in scope: Scope) -> Compiled {
        switch syntax.kind {
        case .literal(let value): .constant(value)
        case .invalid: .failed
        case .incomplete(let parts): compileIncomplete(parts, in: scope)
        case .identifier(let name): compileIdentifier(name, syntax.range, in: scope)
        case .list(let elements): compileList(elements, in: scope)
        case .map(let entries): compileMap(entries, in: scope)
        case .field(let receiver, let name, let nameRange):
            compileField(receiver, name, nameRange: nameRange, range: syntax.range, in: scope)
        case .index(let receiver, let index): compileIndex(receiver, index, range: syntax.range, in: scope)
        case .call(let name, let nameRange, let receiver, let arguments):
            compileCall(
                name,
                nameRange: nameRange,
                receiver: receiver,
                arguments: arguments,
                range: syntax.range,
                in: scope
            )
        case .unary(let op, let operand): compileUnary(op, operand, range: syntax.range, in: scope)
        case .binary(let op, let left, let right): compileBinary(op, left, right, range: syntax.range, in: scope)
        case .conditional(let condition, let then, let otherwise):
            compileConditional(condition, then, otherwise, in: scope)
        }
    }

    // MARK: - Names

    private mutating func compileIdentifier(_ name: String, _ range: SourceRange, in scope: Scope) -> Compiled {
        if let local = scope.local(named: name) {
            let depth = local.depth
            outermostLocalRead = min(outermostLocalRead, depth)
            return Compiled(type: local.type) { activation in activation.locals[activation.frameBase + depth] }
        }
        if let variable = environment.variables[name] {
            switch variable {
            case .plain(let slot, let type):
                reads.insert(slot: slot)
                return Compiled(type: type) { activation in activation.value(at: slot) }
            case .bound(let slot, let expression):
                reads.formUnion(expression.reads)
                if let value = expression.constantValue { return .constant(value, type: expression.type) }
                return Compiled(type: expression.type) { activation throws(EvaluationError) in
                    try activation.bound(at: slot, name: name, expression: expression)
                }
            case .lazyRecord(_, let record):
                let example = record.fields.keys.sorted().first ?? "field"
                report("'\(name)' cannot be used on its own; read one of its fields, like \(name).\(example)", range)
                return .failed
            }
        }
        if let macro = environment.macros[name] { return expand(macro, named: name, at: range, in: scope) }
        if let value = environment.constants[name] { return .constant(value) }
        reportUnknown("identifier", name, range, among: environment.valueNames.union(scope.locals.map(\.name)))
        return .failed
    }

    private mutating func compileIncomplete(_ parts: [Syntax], in scope: Scope) -> Compiled {
        for part in parts { _ = compile(part, in: scope) }
        return .failed
    }

    // MARK: - Literals and conditionals

    private mutating func compileList(_ syntaxes: [Syntax], in scope: Scope) -> Compiled {
        let elements = syntaxes.map { compile($0, in: scope) }
        let type = ValueType.list(elements.map(\.type).reduce(nil, ValueType.join) ?? .dyn)
        let evaluators = elements.map(\.evaluate)
        return Compiled(type: type) { activation throws(EvaluationError) in
            var values: [Value] = []
            values.reserveCapacity(evaluators.count)
            for evaluate in evaluators { values.append(try evaluate(activation)) }
            return .list(values)
        }.folded(elements)
    }

    /// A map literal is typed as a closed record, so `{lat: 1, lon: 2}.lat` is a number and a
    /// misspelt field is caught.
    private mutating func compileMap(_ entries: [Syntax.MapEntry], in scope: Scope) -> Compiled {
        var fields: [String: ValueType] = [:]
        var values: [Compiled] = []
        for entry in entries {
            let value = compile(entry.value, in: scope)
            if fields[entry.key] != nil { report("duplicate key '\(entry.key)' in map", entry.keyRange) }
            fields[entry.key] = value.type
            values.append(value)
        }
        let keyed = zip(entries.map(\.key), values.map(\.evaluate)).map { (key: $0, evaluate: $1) }
        return Compiled(type: .record(RecordType(name: "", fields: fields))) { activation throws(EvaluationError) in
            var object: [String: Value] = [:]
            object.reserveCapacity(keyed.count)
            for entry in keyed { object[entry.key] = try entry.evaluate(activation) }
            return .object(object)
        }.folded(values)
    }

    private mutating func compileConditional(
        _ conditionSyntax: Syntax,
        _ thenSyntax: Syntax,
        _ otherwiseSyntax: Syntax,
        in scope: Scope
    ) -> Compiled {
        let condition = compile(conditionSyntax, in: scope)
        requireBool(condition, "the condition of '?' must be bool", conditionSyntax.range)
        let then = compile(thenSyntax, in: scope)
        let otherwise = compile(otherwiseSyntax, in: scope)
        let type = ValueType.join(then.type, otherwise.type)
        if case .bool(let known)? = condition.constant {
            var chosen = known ? then : otherwise
            chosen.type = type
            return chosen
        }
        let (test, whenTrue, whenFalse) = (condition.evaluate, then.evaluate, otherwise.evaluate)
        let at = runtimeRange(conditionSyntax.range)
        return Compiled(type: type) { activation throws(EvaluationError) in
            let value = try test(activation)
            let chosen = try Operators.truth(value, "the condition of '?' must be bool", at: at) ? whenTrue : whenFalse
            return try chosen(activation)
        }
    }

    /// Reports `requirement, not <type>` when `compiled` can never be a bool.
    mutating func requireBool(_ compiled: Compiled, _ requirement: String, _ range: SourceRange) {
        if !compiled.type.isCompatible(with: .bool) { report("\(requirement), not \(compiled.type)", range) }
    }

    /// Holds the whole expression to the type its user expects (a rule condition is bool): a
    /// type that can never match is an error, a `dyn` result is checked when evaluated.
    mutating func conform(_ compiled: Compiled, to expected: ValueType, range: SourceRange) -> Compiled {
        guard compiled.type.isCompatible(with: expected) else {
            report("expected \(expected), got \(compiled.type)", range)
            return .failed
        }
        guard compiled.type.isDynamic, !expected.isDynamic else { return compiled }
        let kinds = expected.kinds.union(.null)
        let evaluate = compiled.evaluate
        let at = runtimeRange(range)
        var checked = Compiled(type: expected) { activation throws(EvaluationError) in
            let value = try evaluate(activation)
            guard kinds.contains(value.kind) else {
                throw EvaluationError(
                    message: "expected \(expected), got \(value.kindName)",
                    range: at,
                    code: .typeMismatch
                )
            }
            return value
        }
        checked.constant = compiled.constant
        return checked
    }
}
