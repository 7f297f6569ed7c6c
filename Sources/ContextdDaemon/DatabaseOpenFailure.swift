public import ContextdStore

/// The daemon's store could not be opened: where, what the store said, and what to do.
///
/// SQLite's own message ("file is not a database", "database disk image is malformed") names
/// neither the file nor a way out, and a daemon that stops on it restarts every 5 s under
/// systemd with nothing in the journal to act on. A damaged store is never replaced by an empty
/// one: starting empty would apply every event in the spools' `cur/` and `new/` as if it were
/// the first, and forget every task already written.
public struct DatabaseOpenFailure: Error, CustomStringConvertible {
    /// The store (`<data_dir>/contextd.sqlite`, or the PostgreSQL URL without its password).
    public var location: StoreLocation
    /// The store's error, as it described itself.
    public var cause: any Error

    /// Whether it is the configuration's to fix (exit 78, not restarted): a PostgreSQL server
    /// that refuses the password, lacks the database or whose certificate does not verify. A
    /// server that does not answer may be restarting (exit 1, restarted); a damaged SQLite file
    /// is a run-time failure as before.
    public var isConfigurationProblem: Bool {
        guard case .postgresql = location else { return false }
        return !(cause is StoreUnreachable)
    }

    public var description: String {
        switch location {
        case .sqlite(let path):
            "cannot open the database '\(path)': \(cause); if the file is damaged, stop here and restore it from a "
                + "backup (docs/operations.md, \"Backups\"), or move it and its -wal and -shm files away to start "
                + "with an empty store"
        case .postgresql:
            "cannot open the store: \(cause)"
        }
    }
}
