import Glibc
import Synchronization

/// The lines of the file a spool is reading, counted when `/v1/status` is asked (the loop
/// only counts what it has done; it never reads a file twice to say how long it is).
///
/// A count is kept per file name and size: a file in `cur/` no longer grows (producers write
/// in `tmp/`), so asking again during a long file costs a `stat`, not another read.
final class FileLineCounts: Sendable {
    private struct Key: Hashable {
        var path: String
        var size: Int
    }

    private let counted = Mutex<[Key: Int]>([:])
    /// How many counts are kept: one per spool is all the status needs at a time.
    private let capacity = 64

    /// The items the reader will find in the file at `path`: lines holding anything but
    /// blanks (a `.jsonl` file; the reader skips blank lines). Nil for a batch (`.json`) file
    /// or a file that cannot be read (gone to `done/` since, say).
    func total(ofFileAt path: String) -> Int? {
        guard !path.lowercased().hasSuffix(".json") else { return nil }
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        let key = Key(path: path, size: Int(status.st_size))
        if let known = counted.withLock({ $0[key] }) { return known }
        guard let total = Self.countLines(path) else { return nil }
        counted.withLock { counted in
            if counted.count >= capacity { counted.removeAll() }
            counted[key] = total
        }
        return total
    }

    /// Lines with at least one byte other than space, tab and CR, the last one counted
    /// without its newline too.
    private static func countLines(_ path: String) -> Int? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var lines = 0
        var lineHasContent = false
        while true {
            let read = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if read < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if read == 0 { break }
            for byte in buffer[..<read] {
                switch byte {
                case UInt8(ascii: "\n"):
                    if lineHasContent { lines += 1 }
                    lineHasContent = false
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    break
                default:
                    lineHasContent = true
                }
            }
        }
        return lines + (lineHasContent ? 1 : 0)
    }
}

extension OperationsProbe {
    /// This probe with the total of each spool's file in progress counted from the file, one
    /// ``FileLineCounts`` for every reader of the status: `/v1/status` and the console's pages
    /// then show the same total. The loop's report leaves it nil; a total already given stands.
    func countingFileTotals() -> OperationsProbe {
        let counts = FileLineCounts()
        let status = self.status
        var probe = self
        probe.status = {
            guard var report = await status() else { return nil }
            for index in report.spools.indices {
                let spool = report.spools[index]
                guard let file = spool.inProgress?.file, spool.inProgress?.total == nil else { continue }
                report.spools[index].inProgress?.total = counts.total(ofFileAt: spool.path + "/cur/" + file)
            }
            return report
        }
        return probe
    }
}
