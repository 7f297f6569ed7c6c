import Yams

/// One parsed rule file: its YAML tree and its text, for locating and quoting errors.
struct RuleFile {
    var path: String
    var text: String
    var root: Node?

    init(source: RuleSource, log: DiagnosticLog) {
        self.init(source: source, parsed: Self.parse(source), log: log)
    }

    private init(source: RuleSource, parsed: Parsed, log: DiagnosticLog) {
        path = source.path
        text = source.text
        root = parsed.root
        if let problem = parsed.problem { log.report(problem) }
    }

    /// Every source parsed, in their order, the largest first on as many cores as there are:
    /// parsing is a quarter of loading 1,000 rules, and the files do not depend on each other.
    static func parseAll(_ sources: [RuleSource], log: DiagnosticLog) -> [RuleFile] {
        let bySize = sources.indices.sorted { sources[$0].text.utf8.count > sources[$1].text.utf8.count }
        var parsed = [Parsed?](repeating: nil, count: sources.count)
        for (index, result) in zip(bySize, bySize.concurrentMap { parse(sources[$0]) }) { parsed[index] = result }
        return sources.indices.map { RuleFile(source: sources[$0], parsed: parsed[$0]!, log: log) }
    }

    private struct Parsed {
        var root: Node?
        var problem: Diagnostic?
    }

    private static func parse(_ source: RuleSource) -> Parsed {
        if let excess = AliasExpansion.excess(in: source.text) {
            return Parsed(problem: Diagnostic(file: source.path, line: excess.line, column: excess.column,
                length: excess.length, message: excess.message,
                sourceLine: line(excess.line, of: source.text)))
        }
        do {
            // The basic resolver tags every scalar as a string: the rule reader reads numbers
            // and booleans itself, and the default resolver's regular expressions (run again
            // each time Yams hashes a key to find duplicates) were a third of a 1,000-rule load.
            return Parsed(root: try Yams.compose(yaml: source.text, .basic))
        } catch let error as YamlError {
            return Parsed(problem: RuleFile.diagnostic(for: error, path: source.path, text: source.text))
        } catch {
            return Parsed(problem: Diagnostic(file: source.path, line: 1, column: 1, message: "cannot parse YAML: \(error)"))
        }
    }

    /// Line `line` (from 1) of the file; found when a diagnostic needs it, never split up front.
    func sourceLine(_ line: Int) -> String? {
        Self.line(line, of: text)
    }

    private static func line(_ number: Int, of text: String) -> String? {
        guard number >= 1 else { return nil }
        let bytes = text.utf8
        var start = bytes.startIndex
        for _ in 1..<number {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            start = bytes.index(after: newline)
        }
        let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        return String(text[start..<end])
    }

    /// A diagnostic at a node's position.
    func diagnostic(at node: Node?, length: Int = 1, _ message: String) -> Diagnostic {
        let line = node?.mark?.line ?? 1
        let column = node?.mark?.column ?? 1
        return Diagnostic(file: path, line: line, column: column, length: length, message: message,
            sourceLine: sourceLine(line))
    }

    private static func diagnostic(for error: YamlError, path: String, text: String) -> Diagnostic {
        func at(_ mark: Mark, _ message: String) -> Diagnostic {
            Diagnostic(file: path, line: mark.line, column: mark.column, message: "invalid YAML: " + message,
                sourceLine: line(mark.line, of: text))
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
    func report(contentsOf other: DiagnosticLog) { diagnostics += other.diagnostics }
    var isEmpty: Bool { diagnostics.isEmpty }
}
