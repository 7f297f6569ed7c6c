import Glibc

// What must survive a power cut once a call returns: a file's bytes before the rename that
// publishes it, and the directory entry a rename created or removed. Without the directory
// fsync, ext4 and XFS may forget a rename that was already reported done, and a file contextd
// believed moved to done/ would reappear in cur/ (harmless: it is redone) or, for a reject,
// the sidecar could vanish while its file stays.

/// Flushes a directory so the renames and unlinks inside it are on disk.
///
/// Public because every writer that publishes by rename (the file outbox too) needs it after
/// the rename.
public func fsyncDirectory(_ path: String) throws(SpoolError) {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { throw .system("open directory", path: path) }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 else { throw .system("fsync", path: path) }
}

/// Writes `bytes` to a new file at `path` (replacing one of the same name) and fsyncs it.
///
/// Only ever called on private temporary names under `tmp/`; the caller renames the result to
/// where others can see it (the spools' rejects and sidecars, the file outbox's tasks).
public func writeDurably(_ bytes: [UInt8], to path: String) throws(SpoolError) {
    try writeFile(bytes, to: path, fsync: true)
}

/// Writes `bytes` to a new file at `path` without waiting for the disk: for a batch of files
/// that ``syncFileSystem(of:)`` then makes durable with one flush instead of one per file.
public func writeUnsynced(_ bytes: [UInt8], to path: String) throws(SpoolError) {
    try writeFile(bytes, to: path, fsync: false)
}

/// Waits until everything written to the file system holding `path` is on disk (`syncfs(2)`):
/// one device flush for a whole batch of files written with ``writeUnsynced(_:to:)``. Since
/// Linux 5.8 it reports a write-back error of any file of that file system, as `fsync` would.
public func syncFileSystem(of path: String) throws(SpoolError) {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { throw .system("open directory", path: path) }
    defer { close(descriptor) }
    guard linuxSyncfs(descriptor) == 0 else { throw .system("syncfs", path: path) }
}

/// `syncfs(2)`: glibc declares it only under `_GNU_SOURCE`, which the Glibc module is not
/// built with, so it is named here by its C symbol.
@_silgen_name("syncfs")
private func linuxSyncfs(_ descriptor: Int32) -> Int32

private func writeFile(_ bytes: [UInt8], to path: String, fsync sync: Bool) throws(SpoolError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
    guard descriptor >= 0 else { throw .system("create", path: path) }
    defer { close(descriptor) }
    var written = 0
    while written < bytes.count {
        let result = bytes.withUnsafeBytes { buffer in
            write(descriptor, buffer.baseAddress! + written, buffer.count - written)
        }
        if result < 0 {
            if errno == EINTR { continue }
            throw .system("write", path: path)
        }
        written += result
    }
    if sync { guard fsync(descriptor) == 0 else { throw .system("fsync", path: path) } }
}

/// Whether anything (a file, a directory, a dangling symlink) has this name.
public func entryExists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
}
