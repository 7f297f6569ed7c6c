import Yams

/// One parsed rule file: its YAML tree and its lines, for locating and quoting errors.
struct RuleFile {
    var path: String
    var lines: [Substring]
    var root: Node?

    init(source: RuleSource, log: DiagnosticLog) {
        path = source.path
        lines = source.text.split(separator: "\n", omittingEmptySubsequences: false)
        do {
            root = try Yams.compose(yaml: source.text)
        } catch let error as YamlError {
            root = nil
            log.report(RuleFile.diagnostic(for: error, path: source.path, lines: lines))
        } catch {
            root = nil
            log.report(Diagnostic(file: path, line: 1, column: 1, message: "cannot parse YAML: \(error)"))
        }
    }

    func sourceLine(_ line: Int) -> String? {
        line >= 1 && line <= lines.count ? String(lines[line - 1]) : nil
    }

    /// A diagnostic at a node's position.
    func diagnostic(at node: Node?, length: Int = 1, _ message: String) -> Diagnostic {
        let line = node?.mark?.line ?? 1
        let column = node?.mark?.column ?? 1
        return Diagnostic(file: path, line: line, column: column, length: length, message: message,
            sourceLine: sourceLine(line))
    }

    private static func diagnostic(for error: YamlError, path: String, lines: [Substring]) -> Diagnostic {
        func at(_ mark: Mark, _ message: String) -> Diagnostic {
            Diagnostic(file: path, line: mark.line, column: mark.column, message: "invalid YAML: " + message,
                sourceLine: mark.line <= lines.count ? String(lines[mark.line - 1]) : nil)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            return at(mark, [context?.text, problem].compactMap { $0 }.joined(separator: ": "))
        case .composer(let context, let problem, let mark, _):
            return at(mark, [context?.text, problem].compactMap { $0 }.joined(separator: ": "))
        default:
            return Diagnostic(file: path, line: 1, column: 1, message: "invalid YAML: \(error)")
        }
    }
}

/// Collects every diagnostic of a load, so `check` can print them all at once.
final class DiagnosticLog {
    private(set) var diagnostics: [Diagnostic] = []
    func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }
    var isEmpty: Bool { diagnostics.isEmpty }
}
