/// A problem in a rule file, located to the character, in words an operator can act on.
///
/// Printed compiler-style (`rules/fraud.yaml:12:9: error: …`, the line, a caret) because that
/// is what editors and CI logs already know how to jump to.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// How many columns the caret underlines (at least 1).
    public var length: Int
    public var message: String
    /// The text of the offending source line, when known.
    public var sourceLine: String?
    /// An error stops the load; a warning (`check` prints it) does not.
    public var severity: Severity = .error

    public enum Severity: String, Sendable, Hashable {
        case error, warning
    }

    public init(file: String, line: Int, column: Int, length: Int = 1, message: String, sourceLine: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.length = max(1, length)
        self.message = message
        self.sourceLine = sourceLine
    }

    /// `file:line:column: error: message`, then the source line and a caret under the column.
    public var description: String {
        var text = "\(file):\(line):\(column): \(severity.rawValue): \(message)"
        if let sourceLine {
            let prefix = sourceLine.prefix(max(0, column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
            let visible = max(1, min(length, sourceLine.count - (column - 1)))
            text += "\n" + sourceLine + "\n" + prefix + "^" + String(repeating: "~", count: max(0, visible - 1))
        }
        return text
    }
}

/// Every diagnostic of one failed load: the rule set is all or nothing.
public struct RuleDiagnostics: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
