/// A problem found while compiling an expression or template: at rule load time, never per event.
///
/// Compilation reports every problem it can find in one pass (an operator fixing a rule file
/// should not have to reload once per typo), so these come as an array, sorted by position.
/// `range` is relative to the expression's (or template's) own source; the rule loader adds the
/// offset of that text in the YAML file to print `file:line:column`.
public struct ExpressionDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, written for the operator. When a close name exists it already ends in
    /// `; did you mean 'amount'?`.
    public var message: String
    public var range: SourceRange
    /// The replacement text a tool could offer as a fix (`amount` for `amout`), when there is one.
    public var suggestion: String?

    public init(message: String, range: SourceRange, suggestion: String? = nil) {
        self.message = message
        self.range = range
        self.suggestion = suggestion
    }

    public var description: String { "\(range): \(message)" }
}

/// Compilation fails with all of its diagnostics at once, so the list itself is the error
/// (`Result<CompiledExpression, [ExpressionDiagnostic]>`, `throws([ExpressionDiagnostic])`).
/// The conformance is limited to arrays of this module's own type.
extension Array: @retroactive Error where Element == ExpressionDiagnostic {}

extension [ExpressionDiagnostic] {
    /// Sorted by position (stable), without exact repetitions.
    func normalized() -> [ExpressionDiagnostic] {
        var seen = Set<ExpressionDiagnostic>()
        return enumerated()
            .sorted { ($0.element.range.start, $0.offset) < ($1.element.range.start, $1.offset) }
            .map(\.element)
            .filter { seen.insert($0).inserted }
    }
}
