import ContextdExpressions

/// "Did you mean …?" for misspelt keys, names and references in rule files: the same
/// edit-distance rule as the expression language's, so every suggestion behaves alike.
enum Suggestion {
    static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
        Suggestions.closest(to: name, among: Set(candidates))
    }

    /// `; did you mean 'x'?` or nothing.
    static func phrase(for name: String, among candidates: some Sequence<String>) -> String {
        closest(to: name, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }
}
