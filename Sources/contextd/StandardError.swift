import Foundation

/// Writes to standard error (diagnostics, warnings, `--stats`), keeping stdout for results.
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}
