import ContextdEngine
import ContextdEvents
import ContextdStore
import Foundation
import Synchronization
import Testing

/// The store notices its file deleted or replaced under it (issue 17, item 9): SQLite would go
/// on committing into the unlinked file. The probe says so (`/readyz`), and the store itself
/// refuses the next commit, so the daemon needs no SQLite-specific check of its own.
@Suite struct StoreFileTests {
    @Test(arguments: [false, true])
    func aDeletedOrReplacedStoreFileIsReportedAndRefusesCommits(_ replaced: Bool) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("contextd.sqlite").path
        let store: any DaemonStore = try StoreLocation.sqlite(path: path).open()
        #expect(store.storageProblem == nil)
        let time = Timestamp(milliseconds: 1_800_000_000_000)
        try store.commit(Commit(changes: StateChanges(clock: time)))

        try FileManager.default.removeItem(atPath: path)
        if replaced { _ = FileManager.default.createFile(atPath: path, contents: Data("not the store".utf8)) }
        let problem = try #require(store.storageProblem)
        #expect(problem.contains(replaced ? "was replaced by another file" : "was deleted"), "\(problem)")
        // The commit fails before its barrier runs: nothing of it (an outbox file's rename, a
        // spool directory's flush) is done for a transaction that will not be read again.
        let barrierRan = BarrierFlag()
        let error = #expect(throws: StorageProblem.self) {
            try store.commit(Commit(changes: StateChanges(clock: time + .seconds(1))), after: { barrierRan.set() })
        }
        #expect(error?.problem == problem)
        #expect("\(error!)".contains("Restore the store from a backup"))
        #expect(!barrierRan.isSet)
    }
}

/// Whether a commit's barrier ran (it runs on the store's writer thread).
final class BarrierFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
