import Glibc
import Synchronization

/// Where log lines go: a file descriptor (standard error for the daemon), written with
/// `write(2)` so that a failure is an `errno` the daemon can count, never a trap.
///
/// `FileHandle.write` raises a Swift runtime error when the write fails: with standard error on
/// a full disk (`2>/dev/full`) or on a pipe whose reader went away, the first log line ended
/// the daemon (SIGILL). A log line that cannot be written is dropped and counted here
/// (`contextd_log_writes_failed_total`, SPEC §8): the events, the store and the outbox matter
/// more than a log line, and a log pipe that closes must not stop fraud alerts going out.
public final class LogSink: Sendable {
    /// The sink of the process's standard error; the daemon's log handler writes there.
    public static let standardError = LogSink(descriptor: STDERR_FILENO)

    private let descriptor: Int32
    private let failures = Atomic<Int>(0)

    /// `descriptor` stays open for as long as the sink lives; the sink does not close it.
    public init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Lines dropped since start because the write failed (or wrote only part of the line).
    public var failedWrites: Int { failures.load(ordering: .relaxed) }

    /// Writes the whole line, or drops it and counts one failure. Writes go straight to the
    /// descriptor, one `write(2)` per line when it takes the line whole, so lines from several
    /// threads do not interleave within a line on a pipe or an `O_APPEND` file.
    public func write(_ line: String) {
        var line = line
        let written = line.withUTF8 { bytes in Self.writeAll(bytes, to: descriptor) }
        if !written { failures.add(1, ordering: .relaxed) }
    }

    private static func writeAll(_ bytes: UnsafeBufferPointer<UInt8>, to descriptor: Int32) -> Bool {
        guard var next = bytes.baseAddress else { return true }
        var left = bytes.count
        while left > 0 {
            let count = Glibc.write(descriptor, next, left)
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            if count == 0 { return false }
            next += count
            left -= count
        }
        return true
    }
}
