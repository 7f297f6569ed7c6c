import ContextdEngine
import ContextdEvents
import ContextdStore
import Foundation
import GRDB
import Synchronization
import Testing

/// The file outbox's marks ride in the group commit (decision 0010): the commit's barrier runs
/// before any of its rows is visible to another connection of the database file. (What every
/// backend must do with the marks, a redone batch and a failing barrier is in
/// ContextdStoreConformanceTests.)
@Suite struct OutboxDeliveryTests {
    static let time = Timestamp(milliseconds: 1_800_000_000_000)

    static func task(_ id: String) -> TaskRecord {
        TaskRecord(
            id: id, rule: "hot-lead-follow-up", subject: "lead-1", assignee: "user-7", priority: 50, what: "Call",
            where: "phone", how: [], why: "visited pricing", scores: [:], evidence: ["e-1"], createdAt: time,
            notBefore: nil, expiresAt: nil, deferredBy: nil, tags: [], data: [:])
    }

    static func delivery(of id: String, in path: String) throws -> String? {
        try DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "SELECT delivery FROM task WHERE id = ?", arguments: [id])
        }
    }

    @Test func theBarrierRunsBeforeTheRowsAndTheTaskIsInsertedStaged() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("contextd.sqlite").path
        let store = try SQLiteStore(path: path)
        // What another connection saw while the barrier ran: the task must not be there yet.
        let seenDuringBarrier = Mutex<[String?]>([])
        var batch = Commit(changes: StateChanges(clock: Self.time), tasks: [.created(Self.task("t-a"))])
        batch.outbox = OutboxDelivery(staged: ["t-a"], written: [], time: Self.time)
        let receipt = try store.commit(batch, after: {
            let seen = try Self.delivery(of: "t-a", in: path)
            seenDuringBarrier.withLock { $0.append(seen) }
        })

        #expect(seenDuringBarrier.withLock { $0 } == [nil], "the barrier ran once, before the task was committed")
        #expect(receipt.notStaged.isEmpty)
        #expect(try Self.delivery(of: "t-a", in: path) == "staged")
    }
}
