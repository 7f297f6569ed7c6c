public import ContextdEvents

/// A file contextd has claimed into `cur/` and checked: a regular file (not a symlink) whose name
/// gives its format.
public struct ClaimedFile: Sendable, Hashable {
    /// The name in the spool, the same in `new/`, `cur/` and (unless taken) `done/`.
    public let name: String
    /// Where it is now: `<spool>/cur/<name>`.
    public let path: String
    public let format: EventStreamDecoder.Format

    public init(name: String, path: String, format: EventStreamDecoder.Format) {
        self.name = name
        self.path = path
        self.format = format
    }
}
