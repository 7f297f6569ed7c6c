#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// How far a command has got through its input, for the progress line `replay`, `test` and
/// `diff` show on a terminal: counted per chunk read, never per event.
///
/// ``EventFileReader`` adds a chunk's bytes when it reads it and the chunk's decoded items once
/// they are applied; the command adds a file when it is done. A ticker on another thread reads
/// the counters a few times a second: relaxed atomics, so neither side waits for the other and
/// the per-event path pays nothing (one add per 256 KiB chunk).
public final class ReadProgress: Sendable {
    /// Bytes read of every file so far.
    private let bytes = Atomic<Int>(0)
    /// Decoded items (events and rejected lines) applied so far.
    private let items = Atomic<Int>(0)
    private let files = Atomic<Int>(0)
    /// The size of every input; nil when one is not known (standard input): no ETA then.
    public let totalBytes: Int?
    public let totalFiles: Int

    public init(totalFiles: Int, totalBytes: Int?) {
        self.totalFiles = totalFiles
        self.totalBytes = totalBytes
    }

    /// The files' sizes (nil for `-`, standard input), so the caller need not `stat` itself.
    public convenience init(paths: [String]) {
        var total = 0
        var known = true
        for path in paths {
            if let size = Self.size(of: path) { total += size } else { known = false }
        }
        self.init(totalFiles: paths.count, totalBytes: known ? total : nil)
    }

    public func add(bytes count: Int) { bytes.add(count, ordering: .relaxed) }
    public func add(items count: Int) { items.add(count, ordering: .relaxed) }
    public func fileDone() { files.add(1, ordering: .relaxed) }

    /// What the ticker prints.
    public var current: (bytes: Int, items: Int, files: Int) {
        (bytes.load(ordering: .relaxed), items.load(ordering: .relaxed), files.load(ordering: .relaxed))
    }

    /// A regular file's size; nil for standard input (`-`) and anything else.
    public static func size(of path: String) -> Int? {
        guard path != "-" else { return nil }
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(status.st_size)
    }
}
