import GRDB

/// How ``StoreLocation/sqlite(path:)`` opens: kept here so that the opener names no SQLite type.
extension StoreLocation {
    static func openSQLite(path: String) throws -> any DaemonStore {
        try SQLiteStore(path: path)
    }

    static func openSQLite(readingAt path: String) throws -> any DaemonStore {
        try SQLiteStore(readingAt: path)
    }
}

extension StoreLocation {
    /// Opening a SQLite store migrates it; this says which migrations that applied.
    static func migrateSQLite(path: String) throws -> [String] {
        let pool = try DatabasePool(path: path)
        let before = try pool.read { db in try StoreMigrations.migrator.appliedIdentifiers(db) }
        try StoreMigrations.migrator.migrate(pool)
        let after = try pool.read { db in try StoreMigrations.migrator.appliedIdentifiers(db) }
        return StoreMigrations.migrator.migrations.filter { after.contains($0) && !before.contains($0) }
    }
}
