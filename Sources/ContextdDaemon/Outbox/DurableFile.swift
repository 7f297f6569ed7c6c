import ContextdSpool
import Glibc

/// The few file operations the outbox needs beyond the spool module's durable writes.
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

    static func names(in directory: String) throws -> [String] {
        guard let dir = opendir(directory) else { throw Failure(operation: "opendir", path: directory, code: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
