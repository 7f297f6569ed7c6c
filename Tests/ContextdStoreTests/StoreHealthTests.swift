import ContextdEngine
import ContextdEvents
@testable import ContextdStore
import Foundation
import GRDB
import Testing

/// What the SQLite store says of itself (`/v1/status`'s store line): the size of its file and
/// write-ahead log, the last commit and the last error. (Tasks counted by state, for every
/// backend: ContextdStoreConformanceTests.)
@Suite struct StoreHealthTests {
    static let nine = Timestamp(rfc3339: "2026-11-23T09:00:00Z")!

    static func task(_ id: String, notBefore: Timestamp? = nil, expiresAt: Timestamp? = nil) -> TaskRecord {
        TaskRecord(
            id: id, rule: "r", subject: "s-" + id, assignee: "queue:fraud", priority: 50, what: "Call", where: "phone",
            how: [], why: "because", scores: [:], evidence: [], createdAt: nine, notBefore: notBefore,
            expiresAt: expiresAt, deferredBy: notBefore == nil ? nil : "later", tags: [], data: [:])
    }

    static func temporaryStore() throws -> (SQLiteStore, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("health-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("contextd.sqlite").path
        return (try SQLiteStore(path: path), path)
    }

    @Test func theStoreSaysItsSizeLastCommitAndLastError() async throws {
        let (store, path) = try Self.temporaryStore()
        let fresh = await store.health()
        #expect(fresh.kind == "sqlite" && fresh.location == path)
        #expect(fresh.lastCommit == nil && fresh.lastError == nil)

        let before = Date()
        try store.commit(Commit(changes: StateChanges(clock: Self.nine), tasks: [.created(Self.task("t-1"))]))
        let pending = store.startCommit(Commit(changes: StateChanges(clock: Self.nine), tasks: [.created(Self.task("t-2"))]), after: nil)
        _ = try pending.wait()
        let committed = await store.health()
        let sizes = try [path, path + "-wal"].map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int ?? 0 }
        #expect(committed.sizeBytes == sizes.reduce(0, +))
        let last = try #require(committed.lastCommit)
        #expect(abs(Double(last.milliseconds) / 1000 - before.timeIntervalSince1970) < 60)
        #expect(committed.lastError == nil)

        // A commit whose barrier throws: the store names the error until another one replaces it.
        struct DiskFull: Error, CustomStringConvertible { var description: String { "the disk is full" } }
        let failing = Commit(changes: StateChanges(clock: Self.nine))
        #expect(throws: DiskFull.self) { _ = try store.startCommit(failing, after: { throw DiskFull() }).wait() }
        let failed = await store.health()
        #expect(failed.lastError == "the disk is full")
        #expect(failed.lastCommit == last, "a failed commit is no commit")
    }
}
