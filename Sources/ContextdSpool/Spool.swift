import Glibc

/// One input spool: the Maildir-style directory an upstream system drops event files into
/// (SPEC §1, "Spool protocol").
///
/// A file travels `tmp/` → `new/` (the producer's two steps) → `cur/` (claimed) → `done/` or
/// `rejected/` (or is deleted, with `on_done: delete`). Every step is a rename within one file
/// system, so a file is always whole in exactly one place, and a crash leaves it either where
/// it was or where it was going. contextd never overwrites a file in `cur/`, `done/` or
/// `rejected/`, and never follows a symlink out of a spool.
///
/// The value holds only paths; every call goes to the file system, so copies are interchangeable
/// and it is safe to share between tasks. Each method is meant to be called by the one task
/// that serves this spool.
public struct Spool: Sendable {
    /// What happens to a file once every effect of its events is committed.
    public enum OnDone: String, Sendable {
        /// Keep it in `done/` (the operator's job to prune it).
        case move
        /// Delete it.
        case delete
    }

    /// The input's name in the configuration (for logs and metrics).
    public let name: String
    /// The spool's root directory, holding `tmp/ new/ cur/ done/ rejected/`.
    public let directory: String
    public let onDone: OnDone

    /// Opens the spool at `directory`, creating it and its five subdirectories when missing.
    public init(name: String, directory: String, onDone: OnDone) throws(SpoolError) {
        guard !directory.isEmpty else {
            // Else its folders would be `/tmp`, `/new`, … at the file system's root.
            throw SpoolError(path: directory, operation: "open spool", code: EINVAL, message: "no directory given")
        }
        self.name = name
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.onDone = onDone
        try makeDirectories(self.directory)
        var created = false
        for folder in Folder.allCases {
            created = try makeDirectory(path(folder)) || created
        }
        if created { try fsyncDirectory(self.directory) }
    }

    /// Names in `new/` ready to be claimed, in byte order; names beginning with `.` are skipped
    /// (a producer's files in progress, by convention).
    ///
    /// A name that is not valid UTF-8 is first renamed in place to its repaired spelling (invalid
    /// bytes become U+FFFD), so the file is processed or rejected like any other instead of
    /// sitting in `new/` unseen.
    ///
    /// `new/` is read twice. `readdir` does not promise to return a file renamed in while it
    /// reads, and on ext4 (hash order) it can return one renamed in after another and not the
    /// other: read once, a producer's `batch-3` could be taken before its `batch-2`. Every file
    /// renamed in before the first reading ended is in the second; so the answer is the second
    /// reading up to the last name of the first, and what comes in meanwhile waits for the
    /// next look. For producers that rename their files in name order, files are taken in
    /// name order.
    public func waiting() throws(SpoolError) -> [String] {
        guard let last = try namesInNew().last else { return [] }
        return try namesInNew().filter { !last.utf8.lexicographicallyPrecedes($0.utf8) }
    }

    /// One reading of `new/`, in byte order.
    private func namesInNew() throws(SpoolError) -> [String] {
        var names: [String] = []
        for entry in try directoryEntries(path(.new)) where entry.first != UInt8(ascii: ".") {
            if let name = validName(entry) {
                names.append(name)
            } else if let repaired = try repairName(entry) {
                names.append(repaired)
            }
        }
        return byteOrder(names)
    }

    /// Names in `cur/`, in byte order: files a crash left half processed, to be processed again
    /// on start (idempotency makes that safe).
    public func leftovers() throws(SpoolError) -> [String] {
        let entries = try directoryEntries(path(.cur)).compactMap(validName)
        return byteOrder(entries.filter { !$0.hasPrefix(".") })
    }

    /// The five subdirectories.
    enum Folder: String, CaseIterable {
        case tmp, new, cur, done, rejected
    }

    func path(_ folder: Folder) -> String { directory + "/" + folder.rawValue }

    func path(_ folder: Folder, _ name: String) -> String { directory + "/" + folder.rawValue + "/" + name }

    /// Renames a `new/` entry whose name is not UTF-8 to its repaired spelling (with `.1`, `.2`,
    /// … appended if that is taken); nil when it vanished meanwhile.
    private func repairName(_ entry: [UInt8]) throws(SpoolError) -> String? {
        let repaired = String(decoding: entry, as: UTF8.self)
        let source = Array(path(.new).utf8) + [UInt8(ascii: "/")] + entry
        for candidate in collisionNames(repaired) {
            switch try renameWithoutReplacing(source, to: path(.new, candidate), describedAs: path(.new, repaired)) {
            case .moved:
                try fsyncDirectory(path(.new))
                return candidate
            case .sourceMissing: return nil
            case .destinationTaken: continue
            }
        }
        return nil
    }
}

/// Creates a directory; true when it did, false when it was there already.
private func makeDirectory(_ path: String) throws(SpoolError) -> Bool {
    var status = stat()
    if stat(path, &status) == 0 {
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw SpoolError(
                path: path, operation: "create directory", code: ENOTDIR, message: "exists and is not a directory"
            )
        }
        return false
    }
    guard mkdir(path, 0o755) == 0 else {
        if errno == EEXIST { return false }  // created meanwhile by someone else
        throw .system("create directory", path: path)
    }
    return true
}

/// Creates `path` and its missing parents (`mkdir -p`); also used for the outbox and data directory.
public func makeDirectories(_ path: String) throws(SpoolError) {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
        prefix += component
        _ = try makeDirectory(prefix)
        prefix += "/"
    }
}
