import Glibc

/// Which directory each inotify watch stands for, and how to add watches for a tree.
///
/// Owned by one thread at a time (the initialiser, then the watch loop), so it needs no lock.
struct WatchTable: Sendable {
    let inotify: Int32
    let recursive: Bool
    private(set) var directories: [Int32: String] = [:]

    /// The changes that make a directory worth scanning again (SPEC §1 step 5, §5 rule reload):
    /// a producer's rename into `new/` (`IN_MOVED_TO`), a file written in place
    /// (`IN_CLOSE_WRITE`), an editor's write-then-rename of a rule file (`IN_MOVED_FROM`/`TO`),
    /// `touch` (`IN_ATTRIB`), and creation and removal (`IN_CREATE`, `IN_DELETE`).
    static let mask = UInt32(
        IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB | IN_ONLYDIR
    )

    init(inotify: Int32, recursive: Bool) {
        self.inotify = inotify
        self.recursive = recursive
    }

    /// Watches `path` (following it if it is a symlink: the operator named it) and, when
    /// recursive, every directory below it (never following symlinks there).
    mutating func addRoot(_ path: String) throws(SpoolError) {
        try add(path, flags: 0)
        if recursive { try addSubdirectories(of: path) }
    }

    /// Watches a directory that appeared under a watched one, and what is already inside it;
    /// returns every directory now watched, as files may have arrived before the watch did.
    /// Failures are dropped: the daemon's periodic rescan is the backstop.
    mutating func addTree(_ path: String) -> [String] {
        let before = Set(directories.values)
        do {
            try add(path, flags: UInt32(IN_DONT_FOLLOW))
            try addSubdirectories(of: path)
        } catch {}
        return directories.values.filter { !before.contains($0) }.sorted()
    }

    /// Forgets a directory moved away (its watches would otherwise report under a stale path).
    mutating func removeTree(_ path: String) {
        for (watch, directory) in directories where directory == path || directory.hasPrefix(path + "/") {
            inotify_rm_watch(inotify, watch)
            directories[watch] = nil
        }
    }

    /// Drops a watch the kernel removed (`IN_IGNORED`: the directory was deleted or unmounted).
    mutating func forget(_ watch: Int32) {
        directories[watch] = nil
    }

    private mutating func add(_ path: String, flags: UInt32) throws(SpoolError) {
        let watch = inotify_add_watch(inotify, path, Self.mask | flags)
        guard watch >= 0 else { throw .system("inotify_add_watch", path: path) }
        directories[watch] = path
    }

    private mutating func addSubdirectories(of path: String) throws(SpoolError) {
        for entry in try directoryEntries(path) {
            guard let name = validName(entry) else { continue }
            let child = path + "/" + name
            var status = stat()
            guard lstat(child, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { continue }
            try add(child, flags: UInt32(IN_DONT_FOLLOW))
            try addSubdirectories(of: child)
        }
    }
}
