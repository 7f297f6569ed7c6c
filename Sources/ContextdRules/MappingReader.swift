import ContextdEvents
import Yams

/// Reads one YAML mapping of a rule file, reporting unknown, missing and mistyped keys.
struct MappingReader {
    let file: RuleFile
    private(set) var log: DiagnosticLog
    let node: Node
    /// What the mapping is, for messages: "rule 'x'", "context 'balance'".
    let what: String
    private(set) var entries: [(key: String, keyNode: Node, value: Node)] = []

    /// Nil (with a diagnostic) when `node` is not a mapping.
    init?(_ node: Node, file: RuleFile, log: DiagnosticLog, what: String, allowed: [String]) {
        self.file = file
        self.log = log
        self.node = node
        self.what = what
        guard case .mapping(let mapping) = node else {
            log.report(file.diagnostic(at: node, "\(what) must be a mapping of keys to values"))
            return nil
        }
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { continue }
            if !seen.insert(key).inserted {
                log.report(file.diagnostic(at: keyNode, length: key.count, "duplicate key '\(key)' in \(what)"))
            }
            if !allowed.isEmpty && !allowed.contains(key) {
                log.report(file.diagnostic(at: keyNode, length: key.count,
                    "unknown field '\(key)' in \(what)" + Suggestion.phrase(for: key, among: allowed)
                        + (Suggestion.closest(to: key, among: allowed) == nil
                            ? " (expected one of: \(allowed.joined(separator: ", ")))" : "")))
            }
            entries.append((key, keyNode, value))
        }
    }

    subscript(key: String) -> Node? { entries.first { $0.key == key }?.value }

    func keyNode(_ key: String) -> Node? { entries.first { $0.key == key }?.keyNode }

    /// A required key's value, reported when missing.
    func required(_ key: String) -> Node? {
        if let value = self[key] { return value }
        log.report(file.diagnostic(at: node, "\(what) is missing required field '\(key)'"))
        return nil
    }

    func string(_ key: String) -> String? {
        guard let value = self[key] else { return nil }
        guard case .scalar(let scalar) = value else {
            log.report(file.diagnostic(at: value, "'\(key)' in \(what) must be a single value, not a list or mapping"))
            return nil
        }
        return scalar.string
    }

    func number(_ key: String) -> Double? {
        guard let value = self[key], let text = string(key) else { return nil }
        guard let number = Double(text) else {
            log.report(file.diagnostic(at: value, length: text.count, "'\(key)' in \(what) must be a number, got '\(text)'"))
            return nil
        }
        return number
    }

    func bool(_ key: String) -> Bool? {
        guard let value = self[key], let text = string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            log.report(file.diagnostic(at: value, length: text.count, "'\(key)' in \(what) must be true or false"))
            return nil
        }
    }

    func duration(_ key: String) -> TimeSpan? {
        guard let value = self[key], let text = string(key) else { return nil }
        guard let span = TimeSpan(parsing: text), span.milliseconds > 0 else {
            log.report(file.diagnostic(at: value, length: text.count,
                "'\(key)' in \(what) must be a positive duration such as 30m, 12h or 7d, got '\(text)'"))
            return nil
        }
        return span
    }

    /// A list of strings; a single string counts as a list of one.
    func strings(_ key: String) -> [(String, Node)]? {
        guard let value = self[key] else { return nil }
        return MappingReader.strings(value, file: file, log: log, what: "'\(key)' in \(what)")
    }

    static func strings(_ value: Node, file: RuleFile, log: DiagnosticLog, what: String) -> [(String, Node)] {
        switch value {
        case .scalar(let scalar): return [(scalar.string, value)]
        case .sequence(let sequence):
            return sequence.compactMap { item in
                guard let text = item.string, case .scalar = item else {
                    log.report(file.diagnostic(at: item, "\(what) must be a list of strings"))
                    return nil
                }
                return (text, item)
            }
        default:
            log.report(file.diagnostic(at: value, "\(what) must be a string or a list of strings"))
            return []
        }
    }
}

extension MappingReader {
    /// The same mapping, reporting to another log (a rule read on another thread has its own).
    func reporting(to log: DiagnosticLog) -> MappingReader {
        var copy = self
        copy.log = log
        return copy
    }
}
