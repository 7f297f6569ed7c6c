import ContextdRules

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension DaemonConfiguration {
    /// Reads and checks the configuration file at `path` (`contextd run --config FILE`).
    ///
    /// Relative paths in the file, and the default paths of keys it leaves out, are resolved
    /// against the file's directory, so the daemon behaves the same from any working
    /// directory. A file that cannot be read gives one diagnostic at 1:1; otherwise every
    /// problem of the file is reported.
    public static func load(path: String) -> Result<DaemonConfiguration, ConfigurationErrors> {
        switch TextFile.contents(of: path) {
        case .failure(let problem):
            let diagnostic = Diagnostic(file: path, line: 1, column: 1,
                message: "cannot read the configuration file: \(problem.reason)")
            return .failure(ConfigurationErrors([diagnostic]))
        case .success(let text):
            return parse(text, path: path)
        }
    }

    /// Parses configuration `text` as if read from `path` (which only locates messages and
    /// anchors relative paths; it is not read).
    public static func parse(_ text: String, path: String) -> Result<DaemonConfiguration, ConfigurationErrors> {
        let document = ConfigurationDocument(path: path, text: text)
        let file = AbsolutePath(path, relativeTo: AbsolutePath(absolute: currentDirectory()))
        let configuration = ConfigurationParser(document: document, base: file.parent).parse()
        guard document.diagnostics.isEmpty else {
            let sorted = document.diagnostics.enumerated().sorted {
                ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
            }
            return .failure(ConfigurationErrors(sorted.map(\.element)))
        }
        return .success(configuration)
    }

    private static func currentDirectory() -> String {
        guard let pointer = getcwd(nil, 0) else { return "/" }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
