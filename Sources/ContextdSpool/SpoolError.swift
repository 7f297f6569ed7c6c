import Glibc

/// A file-system call on a spool failed: which call, on which path, and what the system said.
///
/// Carries `errno` as well as its text so the daemon can tell a full disk (`ENOSPC`) or a
/// missing mount (`ENOENT`) from a bug without parsing a message, and so the log line names the
/// exact path an operator has to look at.
public struct SpoolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path the call was made on (the source, for a rename).
    public var path: String
    /// The operation, in words (`"rename to cur/"`, `"fsync"`, `"inotify_add_watch"`).
    public var operation: String
    /// The `errno` value the call left.
    public var code: Int32
    /// `strerror(code)`, or a sentence of contextd's own when no system call failed.
    public var message: String

    public init(path: String, operation: String, code: Int32, message: String) {
        self.path = path
        self.operation = operation
        self.code = code
        self.message = message
    }

    /// `'spool/new/x.jsonl': rename to cur/: No such file or directory`
    public var description: String { "'\(path)': \(operation): \(message)" }

    /// The error for a call that just failed, reading `errno` before anything can change it.
    static func system(_ operation: String, path: String, code: Int32 = errno) -> SpoolError {
        SpoolError(path: path, operation: operation, code: code, message: String(cString: strerror(code)))
    }
}
