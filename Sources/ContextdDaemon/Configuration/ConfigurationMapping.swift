import ContextdExpressions
import Yams

/// One YAML mapping of the configuration file, checked against the keys it may hold.
///
/// Unknown keys are reported with the closest known one ("did you mean 'inputs'?") because
/// a misspelt key is otherwise silently ignored and its default silently used.
struct ConfigurationMapping {
    let document: ConfigurationDocument
    let node: Node
    /// How messages name a key of this mapping: `'inputs'`, `'limits.batch_events'`,
    /// `'kind' of input 'cards'`.
    let label: (String) -> String
    private(set) var entries: [(key: String, value: Node)] = []
    /// Known keys already offered as "did you mean" for a misspelt key: not reported again as missing.
    private(set) var suggested: Set<String> = []

    /// Nil (with a diagnostic) when `node` is not a mapping.
    ///
    /// - Parameters:
    ///   - what: the mapping itself, for messages: "the configuration", "'limits'", "input 'cards'".
    ///   - expected: what a wrong value should have been, e.g. "a mapping with 'name' and 'path'".
    init?(_ node: Node, in document: ConfigurationDocument, what: String, expected: String, allowed: [String],
        label: @escaping (String) -> String)
    {
        self.document = document
        self.node = node
        self.label = label
        guard case .mapping(let mapping) = node else {
            let hint = node.isNull ? " (remove the key to use the defaults)" : ""
            document.report(at: node, "expected \(expected) for \(what), found \(node.found)" + hint)
            return nil
        }
        // Yams itself refuses a mapping with a key given twice (see ConfigurationDocument).
        for (keyNode, value) in mapping {
            let key = keyNode.scalarText ?? ""
            guard allowed.contains(key) else {
                let suggestion = Suggestions.closest(to: key, among: Set(allowed))
                document.report(at: keyNode, Self.unknownField(key, in: what, allowed: allowed, suggestion: suggestion))
                if let suggestion { suggested.insert(suggestion) }
                continue
            }
            entries.append((key, value))
        }
    }

    subscript(key: String) -> Node? { entries.first { $0.key == key }?.value }

    /// A required key's value, reported at the mapping when missing (unless a misspelling of
    /// it was already reported).
    func required(_ key: String, what: String) -> Node? {
        if let value = self[key] { return value }
        if suggested.contains(key) { return nil }
        document.report(at: node, "\(what) is missing the required field '\(key)'")
        return nil
    }

    /// `unknown field 'x' in Y — did you mean 'z'?`, or the list of known fields when no
    /// known field is close.
    static func unknownField(_ key: String, in what: String, allowed: [String], suggestion: String?) -> String {
        let message = "unknown field '\(key)' in \(what)"
        if let suggestion {
            return message + " — did you mean '\(suggestion)'?"
        }
        return message + " (expected one of: \(allowed.joined(separator: ", ")))"
    }
}
