import ContextdDaemon

/// Writes to standard error (diagnostics, warnings, `--stats`), keeping stdout for results.
/// Through ``LogSink``: a standard error that cannot be written (`2>/dev/full`; a closed pipe
/// under `run`, which ignores SIGPIPE — other commands still die of it) loses the text, never
/// the command.
enum StandardError {
    static func write(_ text: String) {
        LogSink.standardError.write(text.hasSuffix("\n") ? text : text + "\n")
    }
}
