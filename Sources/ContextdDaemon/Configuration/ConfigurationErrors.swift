public import ContextdRules

/// Every problem of a configuration file that could not be loaded.
///
/// A configuration is all or nothing: the daemon does not start on a file that is partly
/// wrong (it exits with 78, EX_CONFIG). All problems are listed, not only the first, so that
/// one edit can fix them all. Printed as compiler-style diagnostics, one after another.
public struct ConfigurationErrors: Error, Sendable, CustomStringConvertible {
    /// In the order they appear in the file (file-level problems first).
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
