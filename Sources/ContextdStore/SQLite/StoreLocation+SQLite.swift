/// How ``StoreLocation/sqlite(path:)`` opens: kept here so that the opener names no SQLite type.
extension StoreLocation {
    static func openSQLite(path: String) throws -> any DaemonStore {
        try SQLiteStore(path: path)
    }

    static func openSQLite(readingAt path: String) throws -> any DaemonStore {
        try SQLiteStore(readingAt: path)
    }
}
