import ContextdRules
import Yams

/// One configuration file being read: its lines, its YAML tree and the problems found so far.
///
/// Every reader of the file reports into the same document, so a load lists all of the file's
/// problems at once instead of making the operator fix them one restart at a time.
final class ConfigurationDocument {
    /// The path as the operator wrote it, for messages that editors can jump to.
    let path: String
    let lines: [Substring]
    /// The YAML tree; nil when the file is not YAML (a diagnostic says why).
    private(set) var root: Node?
    private(set) var diagnostics: [Diagnostic] = []

    init(path: String, text: String) {
        self.path = path
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let excess = AliasExpansion.excess(in: text) {
            report(located(excess.line, excess.column, excess.message, length: excess.length))
            return
        }
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            report(diagnostic(for: error))
        } catch {
            report(Diagnostic(file: path, line: 1, column: 1, message: "invalid YAML: \(error)"))
        }
    }

    func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    /// Reports `message` at `node`'s position, underlining a scalar's text.
    func report(at node: Node?, _ message: String) {
        var length = 1
        if case .scalar(let scalar)? = node, scalar.style == .plain { length = scalar.string.count }
        report(at: node?.mark, length: length, message)
    }

    func report(at mark: Mark?, length: Int = 1, _ message: String) {
        let line = mark?.line ?? 1
        let column = mark?.column ?? 1
        report(Diagnostic(file: path, line: line, column: column, length: length, message: message,
            sourceLine: sourceLine(line)))
    }

    /// The text of a 1-based line, without a Windows line ending, and with the password of any
    /// `scheme://USER:PASSWORD@…` URL on it masked (`store:`), whatever the diagnostic.
    func sourceLine(_ line: Int) -> String? {
        guard line >= 1 && line <= lines.count else { return nil }
        let text = lines[line - 1]
        return URLPassword.masked(in: String(text.hasSuffix("\r") ? text.dropLast() : text))
    }

    private func diagnostic(for error: YamlError) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: " + problem
            if let context, !context.text.isEmpty {
                let here = context.mark.line == mark.line && context.mark.column == mark.column
                message += here ? " (\(context.text))"
                    : " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            if sourceLine(mark.line)?.unicodeScalars.dropFirst(mark.column - 1).first == "\t" {
                message += "; YAML indents with spaces, not tabs"
            }
            return located(mark.line, mark.column, message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let first = context.mark
            guard let line = laterKey(key, after: first) else {
                return located(first.line, first.column, "duplicate field '\(key)': each field may be given once")
            }
            return located(line, first.column, "duplicate field '\(key)' (first given on line \(first.line)): each field may be given once",
                length: key.count)
        case .reader(let problem, let offset, _, let yaml):
            let (line, column) = Self.position(ofUTF8Offset: offset ?? 0, in: yaml)
            return located(line, column, "cannot read the file as text: \(problem)")
        default:
            return Diagnostic(file: path, line: 1, column: 1, message: "invalid YAML: \(error)")
        }
    }

    private func located(_ line: Int, _ column: Int, _ message: String, length: Int = 1) -> Diagnostic {
        Diagnostic(file: path, line: line, column: column, length: length, message: message,
            sourceLine: sourceLine(line))
    }

    /// The line where `key` is written again at the same indentation as its first occurrence
    /// at `first` (Yams only gives the first), in a block mapping; nil when it cannot be found.
    private func laterKey(_ key: String, after first: Mark) -> Int? {
        for line in (first.line + 1)...max(first.line + 1, lines.count) {
            guard let text = sourceLine(line) else { break }
            let indent = text.prefix { $0 == " " }.count
            guard indent == first.column - 1 else { continue }
            let rest = text.dropFirst(indent)
            guard rest.hasPrefix(key), rest.dropFirst(key.count).trimmingSpaces.hasPrefix(":") else { continue }
            return line
        }
        return nil
    }

    private static func position(ofUTF8Offset offset: Int, in text: String) -> (line: Int, column: Int) {
        let before = String(decoding: text.utf8.prefix(max(0, offset)), as: UTF8.self)
        let lines = before.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.count, (lines.last?.unicodeScalars.count ?? 0) + 1)
    }
}
