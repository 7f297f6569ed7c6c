/// Expanding macros where they are used.
extension Compiler {
    /// Compiles a macro's body at its use site, exactly as if its text were written there: its
    /// names resolve in the scope of the use, so a comprehension variable around the use shadows
    /// a `let` or variable of the same name, as it would in the written-out expression.
    /// Problems inside it are reported at the use, prefixed with the macro's name.
    ///
    /// Its value is remembered for the activation (``MacroExpansionKey``), so a macro used in
    /// several places of a rule is evaluated once per evaluation — unless it calls a host
    /// function, whose result is not known to stay the same, or reads a comprehension variable
    /// of its use site, whose value changes with each element.
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
        var inner = scope
        inner.macros.append(name)
        let compiled = nested.compile(macro.syntax, in: inner)
        reads.formUnion(nested.reads)
        outermostLocalRead = min(outermostLocalRead, nested.outermostLocalRead)
        for problem in nested.diagnostics {
            report("in macro '\(name)': \(problem.message)", site, suggestion: problem.suggestion)
        }
        // The key says what the macro's names mean in the environment; a name that is a local
        // here means something else, and its value is not the same across iterations.
        let readsUseSiteLocal = nested.outermostLocalRead < scope.depth
        guard compiled.constant == nil, !nested.reads.readsAnything, !readsUseSiteLocal, nested.diagnostics.isEmpty
        else { return compiled }
        let (memo, evaluate) = (MacroExpansionKey.memo(of: macro, named: name, in: environment), compiled.evaluate)
        return Compiled(type: compiled.type) { activation throws(EvaluationError) in
            try activation.memoized(memo, evaluate)
        }
    }
}
