import ContextdSpool
import Glibc

/// The flushes a commit's barrier (``CommitBarrier``) makes (decision 0010): the outbox files the
/// commit stages, and the directory changes its marks describe (renames into the outbox's
/// `new/`, files moved out of a spool's `cur/`).
///
/// It runs on the store's writer, just before the transaction, so the daemon's loop does not
/// wait for these flushes itself: it applies the next group meanwhile.
struct DiskFlushes: Sendable {
    /// A directory whose whole file system is synced (`syncfs`): set when outbox files are
    /// staged, one flush for all of them.
    var fileSystemOf: String?
    /// Directories fsynced one by one, unless that `syncfs` covered their file system.
    var directories: [String] = []

    var isEmpty: Bool { fileSystemOf == nil && directories.isEmpty }

    func run() throws {
        var synced: dev_t?
        if let path = fileSystemOf {
            try syncFileSystem(of: path)
            synced = Self.device(of: path)
        }
        for directory in directories where synced == nil || Self.device(of: directory) != synced {
            try fsyncDirectory(directory)
        }
    }

    private static func device(of path: String) -> dev_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_dev : nil
    }
}
