import ContextdEvents
import Glibc

extension Spool {
    /// Claims `new/<name>` by renaming it into `cur/`, then checks what it is.
    ///
    /// The rename is not fsynced: if a power cut undoes it, the file is back in `new/` and is
    /// simply claimed again. A name already in `cur/` is never replaced: that file is still being
    /// processed (or is a leftover to redo first), so this throws `EEXIST` and leaves `new/` as it
    /// is.
    public func claim(_ name: String) throws(SpoolError) -> Claim {
        try checkFileName(name)
        switch try renameWithoutReplacing(path(.new, name), to: path(.cur, name)) {
        case .moved:
            return try inspect(name)
        case .sourceMissing:
            return .vanished
        case .destinationTaken:
            throw SpoolError(
                path: path(.new, name), operation: "claim", code: EEXIST,
                message: "'cur/\(name)' is still to be processed; finish the leftovers in cur/ first"
            )
        }
    }

    /// Gives a claimed file back to `new/`, untouched, to be claimed again in a later round: for a
    /// file that could not be opened for a passing reason (too many open files). False when it
    /// cannot go back (a producer reused its name in `new/` meanwhile, or it vanished); it then
    /// stays in `cur/` and is redone at the next start, like any leftover.
    public func unclaim(_ name: String) throws(SpoolError) -> Bool {
        try checkFileName(name)
        return try renameWithoutReplacing(path(.cur, name), to: path(.new, name)) == .moved
    }

    /// Whether `cur/<name>` is there: a file someone else moved or deleted out of `cur/` while
    /// contextd read it is not.
    public func isClaimed(_ name: String) -> Bool {
        (try? checkFileName(name)) != nil && entryExists(path(.cur, name))
    }

    /// Takes up a leftover in `cur/` (see ``leftovers()``) with the same checks as ``claim(_:)``.
    public func reclaim(_ name: String) throws(SpoolError) -> Claim {
        try checkFileName(name)
        return try inspect(name)
    }

    /// Looks at `cur/<name>` without following it: a regular file with a known extension is
    /// claimed; anything else goes to `rejected/` now.
    private func inspect(_ name: String) throws(SpoolError) -> Claim {
        let current = path(.cur, name)
        var status = stat()
        guard lstat(current, &status) == 0 else {
            if errno == ENOENT { return .goneFromCur }
            throw .system("lstat", path: current)
        }
        let problem: String
        if status.st_mode & S_IFMT != S_IFREG {
            problem = Self.notARegularFile(name, mode: status.st_mode, path: current)
        } else if let format = EventStreamDecoder.Format.forFileName(name) {
            return .claimed(ClaimedFile(name: name, path: current, format: format))
        } else {
            problem = Self.unknownExtension(name)
        }
        try reject(name, reason: problem)
        return .rejected(reason: problem)
    }

    /// Why an entry that is not a regular file cannot be read, and what the producer should do.
    private static func notARegularFile(_ name: String, mode: mode_t, path: String) -> String {
        let advice = "contextd reads only regular files: write each file into tmp/ and rename it into new/"
        switch mode & S_IFMT {
        case S_IFLNK:
            // readlink reads the link itself, never what it points to.
            var target = [UInt8](repeating: 0, count: Int(PATH_MAX))
            let length = target.withUnsafeMutableBytes { readlink(path, $0.baseAddress!, $0.count) }
            let pointee = length >= 0 ? " (to '\(String(decoding: target[..<length], as: UTF8.self))')" : ""
            return "'\(name)' is a symbolic link\(pointee); contextd follows no link out of a spool: "
                + "write the file itself into tmp/ and rename it into new/"
        case S_IFDIR: return "'\(name)' is a directory; \(advice)"
        case S_IFIFO: return "'\(name)' is a named pipe (FIFO); \(advice)"
        case S_IFSOCK: return "'\(name)' is a socket; \(advice)"
        case S_IFCHR, S_IFBLK: return "'\(name)' is a device; \(advice)"
        default: return "'\(name)' is not a regular file; \(advice)"
        }
    }

    private static func unknownExtension(_ name: String) -> String {
        let accepted = "contextd reads .json, .jsonl and .ndjson files"
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else {
            return "'\(name)' has no extension; \(accepted)"
        }
        return "'\(name)' has extension '\(name[dot...])'; \(accepted)"
    }
}

/// Refuses what cannot be a plain name inside one spool folder, so no call reaches outside it.
func checkFileName(_ name: String) throws(SpoolError) {
    guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.utf8.contains(0) else {
        throw SpoolError(
            path: name, operation: "check name", code: EINVAL, message: "not a file name within a spool folder"
        )
    }
}
