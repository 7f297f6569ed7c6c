public import ContextdEvents

/// How compiled expressions run: a closure over the activation, built once at load time.
typealias Evaluator = @Sendable (Activation) throws(EvaluationError) -> Value

/// An expression ready to evaluate: a tree of closures with names resolved to slot indexes and
/// literals folded, so evaluating it never parses, looks up a name or checks a static type.
public struct CompiledExpression: Sendable {
    public let source: String
    /// The static type; when `expecting:` was given and the expression was `dyn`, that type,
    /// since the result is then checked at run time.
    public let type: ValueType
    /// The value, when it does not depend on the activation (`"queue:fraud"`, `90`, `duration("3h")`).
    public let constantValue: Value?
    /// What it may read from an activation (nothing, when it is a constant).
    public let reads: ExpressionReads
    let root: Evaluator

    init(source: String, type: ValueType, constantValue: Value?, reads: ExpressionReads, root: @escaping Evaluator) {
        self.source = source
        self.type = type
        self.constantValue = constantValue
        self.reads = constantValue == nil ? reads : ExpressionReads()
        self.root = root
    }

    public var isConstant: Bool { constantValue != nil }

    /// `(a) && (b) && …` of already compiled bool parts, without parsing and compiling the
    /// joined text again (a `when` list of 1,000 rules was compiled twice: each part, then the
    /// whole). It evaluates as `&&` does: left to right, stopping at the first part that is
    /// `false`, and a part that is not a bool (null from a `dyn` value) fails with the range of
    /// that part in the joined source. A part that fails inside keeps its own source and range.
    public static func all(_ parts: [CompiledExpression]) -> CompiledExpression {
        if parts.count == 1 { return parts[0] }
        var ranges: [SourceRange] = []
        var offset = 0
        for part in parts {
            let length = part.source.utf8.count
            ranges.append(SourceRange(start: offset, end: offset + length + 2))  // with its parentheses
            offset += length + "() && ".utf8.count
        }
        let source = parts.map { "(" + $0.source + ")" }.joined(separator: " && ")
        let steps = Array(zip(parts, ranges))
        let reads = parts.reduce(ExpressionReads()) { $0.union($1.reads) }
        return CompiledExpression(source: source, type: .bool, constantValue: nil, reads: reads) { activation throws(EvaluationError) in
            for (part, range) in steps {
                guard try Operators.truth(try part.evaluate(activation), "'&&' needs bool values", at: range) else {
                    return .bool(false)
                }
            }
            return .bool(true)
        }
    }

    /// Evaluates against one activation. A failure's `range` points into ``source`` (or, for a
    /// failure inside a `let` binding, into that binding's source: see ``EvaluationError/source``).
    public func evaluate(_ activation: Activation) throws(EvaluationError) -> Value {
        if let constantValue { return constantValue }
        return try Self.run(root, source: source, in: activation)
    }

    /// Runs `evaluator` in a fresh frame of comprehension locals, attributing failures to `source`.
    static func run(_ evaluator: Evaluator, source: String, in activation: Activation) throws(EvaluationError) -> Value
    {
        let outerBase = activation.frameBase
        activation.frameBase = activation.locals.count
        defer { activation.frameBase = outerBase }
        do throws(EvaluationError) {
            return try evaluator(activation)
        } catch {
            throw error.attributed(to: source)
        }
    }
}

/// Entry point: compiling one expression against an environment.
public enum Expression {
    /// Parses, type-checks and compiles `source`. With `expecting`, a result type that can never
    /// match is a compile error, and a `dyn` result is checked at run time (null always passes).
    /// On failure, returns every diagnostic found, sorted by position.
    public static func compile(
        _ source: String,
        in environment: Environment,
        expecting: ValueType? = nil
    ) -> Result<CompiledExpression, [ExpressionDiagnostic]> {
        let bytes = Array(source.utf8)
        var parser = Parser(bytes: bytes)
        let syntax = parser.parseWhole()
        var compiler = Compiler(environment: environment, bytes: bytes)
        var compiled = compiler.compile(syntax, in: Scope())
        if let expecting {
            compiled = compiler.conform(compiled, to: expecting, range: syntax.range)
        }
        let diagnostics = (parser.diagnostics + compiler.diagnostics).normalized()
        guard diagnostics.isEmpty else { return .failure(diagnostics) }
        return .success(
            CompiledExpression(
                source: source,
                type: compiled.type,
                constantValue: compiled.constant,
                reads: compiler.reads,
                root: compiled.evaluate
            )
        )
    }
}
