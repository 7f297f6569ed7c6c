import ContextdEngine
import ContextdEvents
import Foundation
import GRDB
import Testing

@testable import ContextdStore

/// The console's task list reads one page through an index, never the whole table: the
/// newest first by `task_by_creation`, a subject's by `task_by_subject` (migration v7),
/// without sorting rows in a temporary b-tree, with or without a cursor. (Pages and filters, for
/// every backend: ContextdStoreConformanceTests.)
@Suite struct TaskBrowseTests {
    static let start = Timestamp(rfc3339: "2026-11-23T08:00:00Z")!

    static func store(tasks count: Int) throws -> SQLiteStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("browse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("contextd.sqlite").path)
        let tasks = (0..<count).map { index in
            TaskChange.created(TaskRecord(
                id: "t-\(index)", rule: "rule", subject: "cust-\(index % 7)", assignee: "queue:fraud", priority: 50,
                what: "Call", where: "phone", how: [], why: "because", scores: [:], evidence: [],
                // Two tasks per instant: the cursor must tell them apart by id.
                createdAt: start + .seconds(Int64(index / 2)), notBefore: nil, expiresAt: nil, deferredBy: nil,
                tags: [], data: [:]))
        }
        try store.commit(Commit(changes: StateChanges(clock: start + .hours(1)), tasks: tasks))
        return store
    }

    @Test func eachQueryReadsItsPageThroughAnIndexInItsOrder() throws {
        let store = try Self.store(tasks: 10)
        let cursor = TaskCursor(createdAt: Self.start, id: "t-1")
        for (query, index) in [
            (TaskBrowseQuery(scope: [""]), "task_by_creation"),
            (TaskBrowseQuery(scope: ["queue:"], before: cursor), "task_by_creation"),
            (TaskBrowseQuery(scope: [""], subject: "cust-3"), "task_by_subject"),
            (TaskBrowseQuery(scope: [""], subject: "cust-3", before: cursor), "task_by_subject"),
        ] {
            let (sql, arguments) = SQLiteStore.browseStatement(query)
            let plan = try store.pool.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
            }.joined(separator: "\n")
            #expect(plan.contains("USING INDEX " + index) && !plan.contains("TEMP B-TREE"), "\(query): \(plan)")
        }
    }
}
