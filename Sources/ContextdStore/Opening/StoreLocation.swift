/// Where the daemon's state is kept, and how to open it: not a role of the store
/// (docs/decisions/0016-store-by-role.md), since it happens once, before any role is used.
///
/// Each case is opened by its own backend's folder (``open()`` and ``openForReading()`` call
/// into it), so nothing here, and nothing that holds a location, names a database library.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// The embedded store: one SQLite file (`<data_dir>/contextd.sqlite` unless configured).
    case sqlite(path: String)
    /// A PostgreSQL database (`store: postgresql://…`).
    case postgresql(PostgresSettings)

    /// Opens the store, creating and migrating it when needed: what `contextd run` works on.
    /// `waiting` is called while the store waits for a database server that cannot be reached
    /// (the daemon's watchdog ping); `warn` gets the store's own warnings (the server is gone,
    /// it is back).
    public func open(
        warn: @escaping @Sendable (String) -> Void = { _ in }, waiting: @escaping @Sendable () -> Void = {}
    ) throws -> any DaemonStore {
        switch self {
        case .sqlite(let path): try Self.openSQLite(path: path)
        case .postgresql(let settings): try Self.openPostgreSQL(settings, warn: warn, waiting: waiting)
        }
    }

    /// Opens the store for reading only, without migrating or locking anything: what
    /// `contextd explain` uses beside a running daemon, whose store it must never change
    /// (even from a newer contextd with more migrations).
    public func openForReading() throws -> any DaemonStore {
        switch self {
        case .sqlite(let path): try Self.openSQLite(readingAt: path)
        case .postgresql(let settings): try Self.openPostgreSQL(readingFrom: settings)
        }
    }

    /// Applies the migrations the store lacks and returns their names, oldest first (none when
    /// it is up to date): `contextd migrate`, for deployments where the daemon's own database
    /// role may not change the schema.
    public func migrate() throws -> [String] {
        switch self {
        case .sqlite(let path): try Self.migrateSQLite(path: path)
        case .postgresql(let settings): try Self.migratePostgreSQL(settings)
        }
    }

    /// The file the store lives in, when it is a local file: what tells a first start ("no
    /// store yet") from a lost store, and what the data directory's lock records. Nil for a
    /// server database.
    public var localFile: String? {
        switch self {
        case .sqlite(let path): path
        case .postgresql: nil
        }
    }

    /// Where the data is, for messages and logs: a path (never a password).
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgresql(let settings): "\(settings.address)"
        }
    }
}
