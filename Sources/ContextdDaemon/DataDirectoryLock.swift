import ContextdSpool
import Glibc

/// The exclusive lock a daemon holds on its data directory for as long as it runs (SPEC §8:
/// one data directory has one daemon).
///
/// Two daemons on one `data_dir` both committed into one store and claimed from the same
/// spools, and the second hung without HTTP. The lock is `flock(2)` on `<data_dir>/contextd.lock`:
/// the kernel lets it go when the process ends, however it ends (`kill -9`, a crash), so a
/// stale lock file never blocks a restart. The file holds the holder's PID, for the message
/// the second daemon prints. Read-only commands (`explain`) do not take it.
public final class DataDirectoryLock: Sendable {
    /// The lock file: `<data_dir>/contextd.lock`.
    public let path: String
    /// What the lock file held before this process took it: the previous holder's PID and,
    /// once its store was open, the line ``recordStore(_:)`` wrote.
    private let previousContents: String
    private let descriptor: Int32

    /// Takes the lock (creating the data directory when missing), or throws ``Held`` at once,
    /// naming the holder, without waiting.
    public init(dataDirectory: String) throws {
        try makeDirectories(dataDirectory)
        path = (dataDirectory.hasSuffix("/") ? dataDirectory : dataDirectory + "/") + Self.fileName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw Failure(path: path, operation: "open", code: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.readPID(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK { throw Held(path: path, holder: holder) }
            throw Failure(path: path, operation: "flock", code: code)
        }
        self.descriptor = descriptor
        previousContents = Self.read(descriptor)
        // The store line stays until this daemon opens its store: a start that stops before
        // (rules that do not load, a refusal) must not make a lost store look like a first start.
        let kept = previousContents.split(separator: "\n").filter { $0.hasPrefix("store ") }
        write(([String(getpid())] + kept.map(String.init)).joined(separator: "\n") + "\n")
    }

    private func write(_ text: String) {
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// Notes in the lock file that the store at `database` is open: from now on, a start that
    /// finds no store there knows one was lost (``lostStore(_:)``).
    public func recordStore(_ database: String) {
        write("\(getpid())\n" + Self.storeLine(database))
    }

    /// Whether a previous daemon had its store at `database` and nothing is there now: it was
    /// deleted (or its disk was swapped), and starting would begin from an empty store.
    public func lostStore(_ database: String) -> Bool {
        previousContents.contains(Self.storeLine(database)) && !entryExists(database)
    }

    private static func storeLine(_ database: String) -> String { "store \(database)\n" }

    deinit { close(descriptor) }

    /// The lock file's name inside the data directory.
    public static let fileName = "contextd.lock"

    private static func readPID(_ descriptor: Int32) -> Int32? {
        read(descriptor).split(separator: "\n").first.flatMap { Int32($0.trimmingWhitespace()) }
    }

    /// The lock file's text (its first 4 KiB: a PID and a path).
    private static func read(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }

    /// Another process holds the lock: most likely another `contextd run` on the same data directory.
    public struct Held: Error, CustomStringConvertible {
        public var path: String
        public var holder: Int32?

        public var description: String {
            let who = holder.map { "another contextd (pid \($0))" } ?? "another contextd"
            return "the data directory is in use by \(who): \(path) is locked. One data directory serves one "
                + "daemon: stop the other one, or give this one its own data_dir"
        }
    }

    /// The lock file could not be opened or locked (permissions, a read-only file system).
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var operation: String
        public var code: Int32

        public var description: String {
            "cannot lock the data directory: '\(path)': \(operation): \(String(cString: strerror(code)))"
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
