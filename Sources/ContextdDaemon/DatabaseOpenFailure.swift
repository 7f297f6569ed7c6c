/// The daemon's database could not be opened: which file, what SQLite said, and what to do.
///
/// SQLite's own message ("file is not a database", "database disk image is malformed") names
/// neither the file nor a way out, and a daemon that stops on it restarts every 5 s under
/// systemd with nothing in the journal to act on. A damaged store is never replaced by an empty
/// one: starting empty would apply every event in the spools' `cur/` and `new/` as if it were
/// the first, and forget every task already written.
struct DatabaseOpenFailure: Error, CustomStringConvertible {
    /// The database file (`<data_dir>/contextd.sqlite`).
    var path: String
    /// The store's error, as it described itself.
    var cause: any Error

    var description: String {
        "cannot open the database '\(path)': \(cause); if the file is damaged, stop here and restore it from a "
            + "backup (docs/operations.md, \"Backups\"), or move it and its -wal and -shm files away to start "
            + "with an empty store"
    }
}
