import ContextdEvents
import ContextdExpressions
import Yams

/// Compiles the expressions and templates written in YAML scalars, turning the expression
/// language's offset-based diagnostics into located file diagnostics.
struct ExpressionSite {
    let file: RuleFile
    let log: DiagnosticLog

    /// An expression written as a scalar; `expecting` is checked statically.
    func expression(_ node: Node, in environment: Environment, expecting: ValueType? = nil, what: String)
        -> CompiledExpression?
    {
        guard case .scalar(let scalar) = node else {
            log.report(file.diagnostic(at: node, "\(what) must be an expression (a string), not a list or mapping"))
            return nil
        }
        switch Expression.compile(scalar.string, in: environment, expecting: expecting) {
        case .success(let compiled): return compiled
        case .failure(let diagnostics):
            report(diagnostics, in: node, what: what)
            return nil
        }
    }

    /// A string with `{{ … }}` holes.
    func template(_ node: Node, in environment: Environment, what: String) -> Template? {
        guard case .scalar(let scalar) = node else {
            log.report(file.diagnostic(at: node, "\(what) must be text, not a list or mapping"))
            return nil
        }
        switch Template.compile(scalar.string, in: environment) {
        case .success(let template): return template
        case .failure(let diagnostics):
            report(diagnostics, in: node, what: what)
            return nil
        }
    }

    /// An object built from a YAML mapping of field names to expressions
    /// (`value: {lat: event.data.lat, lon: event.data.lon}`), or a plain expression.
    func object(_ node: Node, in environment: Environment, what: String) -> CompiledExpression? {
        guard case .mapping(let mapping) = node else { return expression(node, in: environment, what: what) }
        var parts: [String] = []
        var ok = true
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            if expression(value, in: environment, what: "field '\(name)' of \(what)") == nil { ok = false }
            parts.append(JSON.encode(.string(name)) + ": (" + (value.string ?? "null") + ")")
        }
        guard ok else { return nil }
        let source = "{" + parts.joined(separator: ", ") + "}"
        switch Expression.compile(source, in: environment, expecting: nil) {
        case .success(let compiled): return compiled
        case .failure(let diagnostics):
            report(diagnostics, in: node)
            return nil
        }
    }

    /// Several conditions that must all hold (a list), or one.
    func conditions(_ node: Node, in environment: Environment, what: String) -> CompiledExpression? {
        conditionParts(node, in: environment, what: what)?.whole
    }

    /// Several conditions that must all hold (a list), or one: each part compiled on its own
    /// (what the engine evaluates, so it can say which part held a rule back) and the whole,
    /// the parts joined as by `&&` (``CompiledExpression/all(_:)``).
    func conditionParts(_ node: Node, in environment: Environment, what: String)
        -> (whole: CompiledExpression, parts: [CompiledExpression])?
    {
        guard case .sequence(let sequence) = node else {
            return expression(node, in: environment, expecting: .bool, what: what).map { ($0, [$0]) }
        }
        var parts: [CompiledExpression] = []
        for item in sequence {
            guard let part = expression(item, in: environment, expecting: .bool, what: what) else { return nil }
            parts.append(part)
        }
        guard !parts.isEmpty else { return nil }
        return (CompiledExpression.all(parts), parts)
    }

    /// Reports expression diagnostics at their place in the file, each prefixed with what the
    /// expression is (`'when' of rule 'x': …`) so the message stands on its own in a CI log.
    func report(_ diagnostics: [ExpressionDiagnostic], in node: Node, what: String? = nil) {
        let positions = ScalarPositions(file: file, node: node)
        for diagnostic in diagnostics {
            let (line, column) = positions.position(ofOffset: diagnostic.range.start)
            var message = what.map { "\($0): " + diagnostic.message } ?? diagnostic.message
            if let suggestion = diagnostic.suggestion, !message.contains("did you mean") {
                message += "; did you mean '\(suggestion)'?"
            }
            log.report(Diagnostic(file: file.path, line: line, column: column,
                length: max(1, diagnostic.range.end - diagnostic.range.start), message: message,
                sourceLine: file.sourceLine(line)))
        }
    }
}
