import ContextdEngine
import ContextdEvents
@testable import ContextdStore
import Foundation
import GRDB
import Testing

/// A data directory written by an older contextd opens in a newer one with every row where it
/// was: an upgrade must not lose a context, a task or its delivery state.
@Suite struct MigrationTests {
    /// The tables migration v4 rebuilds, each with its key, for reading them in one order.
    static let rebuilt = ["entity_context": "subject", "task": "id", "task_explanation": "id", "suppressed_task": "id"]

    @Test func rowidTablesKeepEveryRowOfAStoreWrittenBeforeThem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("contextd.sqlite").path

        // The stock rules over every fixture, committed into a store at migration v3.
        let engine = Engine(ruleSet: try RestartTests.ruleSet())
        engine.recordsChanges = true
        var tasks: [TaskChange] = []
        for event in try RestartTests.fixtureEvents() { tasks += engine.apply(event) }
        tasks += engine.advance(to: try #require(Timestamp(rfc3339: "2026-12-31T00:00:00Z")))
        let explanations = tasks.compactMap { change -> TaskExplanation? in
            guard case .created(let task) = change else { return nil }
            return TaskExplanation(taskID: task.id, text: "why \(task.id)", appends: false)
        }
        let old = try DatabaseQueue(path: path)
        try StoreMigrations.migrator.migrate(old, upTo: "v3-task-leases")
        // Today's writer marks a task expired on arrival in a column v6 added: written here as
        // a v3 store held it, expired and delivered when it was created.
        let expiredOnArrival = tasks.compactMap { if case .expiredOnArrival(let task) = $0 { task.id } else { nil } }
        let written = tasks.map { if case .expiredOnArrival(let task) = $0 { TaskChange.created(task) } else { $0 } }
        try old.write { db in
            // Today's writer also names a column v8 adds: there for the write, dropped after it.
            try db.execute(sql: "ALTER TABLE task ADD COLUMN expires_before_due INTEGER NOT NULL DEFAULT 0")
            _ = try StoreWriter(db: db).write(Commit(changes: engine.takeChanges(), tasks: written, explanations: explanations))
            try db.execute(sql: "ALTER TABLE task DROP COLUMN expires_before_due")
            for id in expiredOnArrival {
                try db.execute(sql: "UPDATE task SET delivery = 'expired', delivered_at = created_at WHERE id = ?",
                    arguments: [id])
            }
            // Columns v3 added, set as a leased and acked task has them.
            try db.execute(sql: """
                UPDATE task SET delivery = 'acked', lease_holder = 'crm-1', attempts = 2, outcome = 'done',
                    note = 'called', acked_at = 1 WHERE id = (SELECT min(id) FROM task)
                """)
        }
        let before = try old.read(Self.contents)
        try old.close()
        #expect(before["entity_context"]!.count > 20)
        #expect(before["task"]!.count > 10)
        #expect(before["suppressed_task"]!.count > 0)
        #expect(before["task_explanation"]!.count == explanations.count)

        let store = try SQLiteStore(path: path)
        let after = try store.pool.read(Self.contents)
        #expect(after == before)
        // v6 marked the tasks that expired on arrival, and only those.
        let marked = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM task WHERE expired_on_arrival = 1 ORDER BY id")
        }
        #expect(!expiredOnArrival.isEmpty)
        #expect(marked == expiredOnArrival.sorted())
        let (tables, indexes) = try store.pool.read { db in
            (
                try String.fetchAll(db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name IN ('entity_context', 'task', 'task_explanation', 'suppressed_task')"),
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            )
        }
        #expect(tables.count == 4)
        #expect(tables.allSatisfy { !$0.contains("WITHOUT ROWID") })
        #expect(indexes.contains("task_by_delivery") && indexes.contains("task_queue") && indexes.contains("suppressed_task_by_time"))
        // The store works on the rebuilt tables: a context reads back, a task is explained.
        let subject = try #require(after["entity_context"]?.first?.first.flatMap(String.fromDatabaseValue))
        #expect(try store.storedContext(of: subject) != nil)
        let first = try #require(after["task"]?.first?.first.flatMap(String.fromDatabaseValue))
        let acked = try #require(try store.explanation(of: first))
        #expect(acked.status == "acked (done: called), leased 2 times")
    }

    /// v8 stores `TaskRecord.expiresBeforeDue` for the due query: the rows of a v7 store get it
    /// from their `expires_at` and `due_at`, so after the upgrade the store selects exactly the
    /// tasks `isDue(at:)` selects, and expires exactly those that expired before they were due.
    @Test func expiresBeforeDueIsFilledForTheTasksOfAV7Store() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("contextd.sqlite").path
        let old = try DatabaseQueue(path: path)
        try StoreMigrations.migrator.migrate(old, upTo: "v7-task-browsing")
        try old.write { db in
            // As contextd wrote a task up to v7: due_at is not_before, or created_at.
            for task in DueTaskTests.tasks {
                try db.execute(sql: """
                    INSERT INTO task (id, rule, subject, assignee, priority, created_at, due_at, expires_at, deferred_by,
                        record, delivery)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')
                    """, arguments: [task.id, task.rule, task.subject, task.assignee, task.priority,
                        task.createdAt.milliseconds, (task.notBefore ?? task.createdAt).milliseconds,
                        task.expiresAt?.milliseconds, task.deferredBy, task.storedText])
            }
        }
        try old.close()

        let store = try SQLiteStore(path: path)
        let stored = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, expires_before_due FROM task ORDER BY id").map {
                ($0["id"] as String, $0["expires_before_due"] as Bool)
            }
        }
        let expected = DueTaskTests.tasks.map { ($0.id, $0.expiresBeforeDue) }.sorted { $0.0 < $1.0 }
        #expect(stored.map(\.0) == expected.map(\.0))
        #expect(stored.map(\.1) == expected.map(\.1))
        #expect(expected.filter(\.1).count == 6, "an expiry a second before or at the due time, of 12 tasks")
        for clock in [DueTaskTests.time - .seconds(31), DueTaskTests.time, DueTaskTests.time + .seconds(61)] {
            let selected = Set(try store.dueTasks(at: clock, limit: 100).map(\.record.id))
            #expect(selected == Set(DueTaskTests.tasks.filter { $0.isDue(at: clock) }.map(\.id)), "at \(clock.milliseconds)")
        }
        #expect(try store.expireTasks(at: DueTaskTests.time + .seconds(61)) == 6)
    }

    /// Every column of every rebuilt table, rows in key order.
    /// Columns migrations after v4 added to the rebuilt tables: not in a store written at v3.
    static let laterColumns: Set<String> = ["expired_on_arrival", "expires_before_due"]

    static func contents(_ db: Database) throws -> [String: [[DatabaseValue]]] {
        var contents: [String: [[DatabaseValue]]] = [:]
        for (table, key) in rebuilt {
            contents[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY \(key)").map { row in
                zip(row.columnNames, row.databaseValues).filter { !laterColumns.contains($0.0) }.map(\.1)
            }
        }
        return contents
    }
}
