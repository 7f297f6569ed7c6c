/// Why a whole input file cannot be read as events (binary content, a `.json` file that is not
/// an object or an array, an array that never closes).
///
/// Distinct from ``EventRejection``: that one drops a single event and processing goes on;
/// this one sends the whole file to `rejected/` with a sidecar saying ``reason``.
public struct FileRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { reason }

    static func binary(atOffset offset: Int) -> FileRejection {
        FileRejection(reason: "the file contains a NUL byte (at byte offset \(offset)): it is binary, not JSON text")
    }
}
