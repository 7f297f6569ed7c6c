import ContextdEvents

/// A compiled sub-expression: its static type, its evaluator, and its value when known at load time.
struct Compiled {
    var type: ValueType
    var evaluate: Evaluator
    var constant: Value?

    init(type: ValueType, evaluate: @escaping Evaluator) {
        self.type = type
        self.evaluate = evaluate
    }

    static func constant(_ value: Value, type: ValueType? = nil) -> Compiled {
        var compiled = Compiled(type: type ?? ValueType(of: value)) { _ in value }
        compiled.constant = value
        return compiled
    }

    /// Stands in for a sub-expression that did not compile: `dyn`, so that it causes no further
    /// errors around it. Never evaluated, since compilation then fails.
    static let failed = Compiled(type: .dyn) { _ throws(EvaluationError) in
        throw EvaluationError(message: "this expression did not compile")
    }

    /// Replaces an evaluator whose inputs are all constants by its value, computed now. A failure
    /// is left for run time (the code may never run, e.g. after `false &&`).
    func folded(_ inputs: [Compiled]) -> Compiled {
        guard constant == nil, inputs.allSatisfy({ $0.constant != nil }) else { return self }
        guard let value = try? evaluate(Activation()) else { return self }
        return .constant(value, type: type)
    }
}

/// The names visible at one point of an expression besides the environment's.
struct Scope {
    struct Local {
        var name: String
        var depth: Int
        var type: ValueType
    }

    var locals: [Local] = []
    /// How many comprehension locals enclose this point in the current evaluation frame.
    var depth = 0
    /// Macros being expanded here, outermost first (to catch cycles).
    var macros: [String] = []

    func local(named name: String) -> Local? { locals.last { $0.name == name } }

    func adding(_ name: String, type: ValueType) -> Scope {
        var inner = self
        inner.locals.append(Local(name: name, depth: depth, type: type))
        inner.depth += 1
        return inner
    }
}
