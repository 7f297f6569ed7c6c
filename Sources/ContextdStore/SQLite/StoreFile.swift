import Glibc

/// The database file as the daemon opened it, to notice when it is no longer the file at its
/// path.
///
/// SQLite keeps writing through its open descriptor: a store deleted (or replaced by a restore
/// copied over it) while the daemon ran took every later commit into an unlinked file, `/readyz`
/// said 200, and the restart started from an empty store without a word (issue 17). The device
/// and inode of the file at the path are compared with those of the file opened: one `stat`,
/// cheap enough for every commit.
public enum StoreFile {
    struct Identity: Sendable, Equatable {
        var device: UInt64
        var inode: UInt64
    }

    /// The identity of the file at `path` now; nil when nothing is there.
    static func identity(of path: String) -> Identity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Identity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }
}

extension SQLiteStore {
    /// What happened to the database file since it was opened, in words; nil when the file at
    /// ``path`` is still the one open. `/readyz` reports it, and ``startCommit(_:after:)``
    /// refuses to commit while it has something to say.
    public var storageProblem: String? {
        guard let opened = fileIdentity else { return nil }
        switch StoreFile.identity(of: path) {
        case nil: return "the store \(path) was deleted while the daemon had it open"
        case let now? where now != opened: return "the store \(path) was replaced by another file while the daemon had it open"
        default: return nil
        }
    }
}
