import ContextdStore
import Foundation
import Testing

/// The store notices its file deleted or replaced under it (issue 17, item 9): SQLite would go
/// on committing into the unlinked file.
@Suite struct StoreFileTests {
    @Test(arguments: [false, true])
    func aDeletedOrReplacedStoreFileIsReported(_ replaced: Bool) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("contextd.sqlite").path
        let store = try SQLiteStore(path: path)
        #expect(store.fileProblem == nil)
        try store.checkFile()
        try FileManager.default.removeItem(atPath: path)
        if replaced { _ = FileManager.default.createFile(atPath: path, contents: Data("not the store".utf8)) }
        let problem = try #require(store.fileProblem)
        #expect(problem.contains(replaced ? "was replaced by another file" : "was deleted"), "\(problem)")
        #expect(throws: StoreFileError.self) { try store.checkFile() }
    }
}
