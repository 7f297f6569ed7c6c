import ContextdSpool
import Glibc

/// The two file operations the outbox needs beyond the spool module's durable writes.
enum DurableFile {
    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var path: String
        var code: Int32
        var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    }

    /// Publishes a complete file: the outbox's names are its own, so a plain rename.
    static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw Failure(operation: "rename to \(to)", path: from, code: errno) }
    }

    static func remove(_ path: String) { unlink(path) }
}
