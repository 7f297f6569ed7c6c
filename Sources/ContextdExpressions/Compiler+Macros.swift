/// Expanding macros where they are used.
extension Compiler {
    /// Compiles a macro's body at its use site: against the same environment, but not seeing
    /// the comprehension locals around the use (a macro means the same wherever it is used).
    /// Problems inside it are reported at the use, prefixed with the macro's name.
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
        for problem in nested.diagnostics {
            report("in macro '\(name)': \(problem.message)", site, suggestion: problem.suggestion)
        }
        return compiled
    }
}
