/// Expanding macros where they are used.
extension Compiler {
    /// Compiles a macro's body at its use site: against the same environment, but not seeing
    /// the comprehension locals around the use (a macro means the same wherever it is used).
    /// Problems inside it are reported at the use, prefixed with the macro's name.
    ///
    /// Its value is remembered for the activation (``MacroExpansionKey``), so a macro used in
    /// several places of a rule is evaluated once per evaluation — unless it calls a host
    /// function, whose result is not known to stay the same.
    mutating func expand(
        _ macro: Environment.Macro,
        named name: String,
        at range: SourceRange,
        in scope: Scope
    ) -> Compiled {
        let site = useSite ?? range
        if let start = scope.macros.firstIndex(of: name) {
            let chain = (scope.macros[start...] + [name]).joined(separator: " → ")
            report("macro '\(name)' refers to itself: \(chain)", range)
            return .failed
        }
        var nested = Compiler(environment: environment, bytes: Array(macro.source.utf8), useSite: site)
        var inner = Scope()
        inner.depth = scope.depth
        inner.macros = scope.macros + [name]
        let compiled = nested.compile(macro.syntax, in: inner)
        reads.formUnion(nested.reads)
        for problem in nested.diagnostics {
            report("in macro '\(name)': \(problem.message)", site, suggestion: problem.suggestion)
        }
        guard compiled.constant == nil, !nested.reads.readsAnything, nested.diagnostics.isEmpty else { return compiled }
        let (memo, evaluate) = (MacroExpansionKey.memo(of: macro, named: name, in: environment), compiled.evaluate)
        return Compiled(type: compiled.type) { activation throws(EvaluationError) in
            try activation.memoized(memo, evaluate)
        }
    }
}
