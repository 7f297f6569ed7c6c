import ContextdEngine
import ContextdEvents
@testable import ContextdStore
import Foundation
import GRDB
import Testing

/// The store's own probe (`/v1/status`'s tasks and store lines): tasks counted by state from
/// real commits and leases, and what the store says of itself: size, last commit, last error.
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

    @Test func tasksAreCountedByStateDeferredAgainstTheClockAndAckedByOutcome() async throws {
        let (store, _) = try Self.temporaryStore()
        let tasks: [TaskChange] = [
            .created(Self.task("t-due")), .created(Self.task("t-later", notBefore: Self.nine + .hours(3))),
            .created(Self.task("t-soon", notBefore: Self.nine + .minutes(30))),
            .expiredOnArrival(Self.task("t-eoa", expiresAt: Self.nine)),
            .created(Self.task("t-ack1")), .created(Self.task("t-ack2")), .created(Self.task("t-ack3")),
            .created(Self.task("t-written")),
            .suppressed(Self.task("t-stopped"), policy: "dedup"),
        ]
        try store.commit(Commit(changes: StateChanges(clock: Self.nine), tasks: tasks))
        try store.markTasks(["t-written"], as: .written, at: Self.nine)
        // Three leased over HTTP; two acked (done, rejected), one still held.
        _ = try store.queueDueTasks(assigneePrefixes: [""], at: Self.nine)
        let terms = LeaseTerms(duration: .seconds(300), maxAttempts: 3)
        let leased = try await store.lease(assigneePrefixes: [""], limit: 10, holder: "crm", terms: terms, at: Self.nine)
        #expect(leased.count == 4, "t-due and the three t-ack tasks were due and queued")
        _ = try await store.ack(taskID: "t-ack1", leaseID: nil, outcome: .done, note: nil, scope: [""], at: Self.nine)
        _ = try await store.ack(taskID: "t-ack2", leaseID: nil, outcome: .rejected, note: "no", scope: [""], at: Self.nine)
        _ = try await store.ack(taskID: "t-ack3", leaseID: nil, outcome: .done, note: nil, scope: [""], at: Self.nine)

        let tally = try await store.taskTally(at: Self.nine + .minutes(45))
        #expect(tally.byDelivery == [.pending: 2, .expired: 1, .written: 1, .leased: 1, .acked: 3])
        #expect(tally.deferred == 1, "t-later waits until 12:00; t-soon's 09:30 is behind the clock")
        #expect(tally.acked == ["done": 2, "rejected": 1])
        #expect(tally.expiredOnArrival == 1)
        // An expiry that is not on arrival is not counted as one.
        try store.markTasks(["t-soon"], as: .expired, at: Self.nine + .hours(1))
        let later = try await store.taskTally(at: Self.nine + .minutes(45))
        #expect(later.byDelivery[.expired] == 2 && later.expiredOnArrival == 1)
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

    @Test func migrationV6MarksTheTasksOfAnOlderStoreThatExpiredOnArrival() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migration-v6-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("contextd.sqlite").path
        let old = try DatabaseQueue(path: path)
        try StoreMigrations.migrator.migrate(old, upTo: "v5-late-events")
        try old.write { db in
            // As v5 wrote them: one expired on arrival (delivered at its creation), one expired later.
            for (id, deliveredAt) in [("t-eoa", Self.nine), ("t-later", Self.nine + .hours(2))] {
                try db.execute(sql: """
                    INSERT INTO task (id, rule, subject, assignee, priority, created_at, due_at, record, delivery, delivered_at)
                    VALUES (?, 'r', 's', 'queue:a', 1, ?, ?, '{}', 'expired', ?)
                    """, arguments: [id, Self.nine.milliseconds, Self.nine.milliseconds, deliveredAt.milliseconds])
            }
        }
        try old.close()
        let store = try SQLiteStore(path: path)
        let marked = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM task WHERE expired_on_arrival = 1")
        }
        #expect(marked == ["t-eoa"])
    }
}
