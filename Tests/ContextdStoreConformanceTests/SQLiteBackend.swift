@testable import ContextdStore
import Foundation
import GRDB

extension StoreBackend {
    /// The embedded store: a database file in a temporary directory of its own.
    static let sqlite = StoreBackend(name: "sqlite", kind: "sqlite", isAvailable: { true }) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("contextd.sqlite").path
        return StoreUnderTest(
            store: try SQLiteStore(path: path),
            reopen: { old in
                try close(old)
                return try SQLiteStore(path: path)
            },
            cleanup: { old in
                try close(old)
                try FileManager.default.removeItem(at: directory)
            })
    }

    /// Closes the store's connections, as a process that exits does: the last one checkpoints
    /// the write-ahead log, so the reopened store reads what reached the database file.
    private static func close(_ store: any DaemonStore) throws {
        guard let store = store as? SQLiteStore else { return }
        try store.pool.close()
    }
}
