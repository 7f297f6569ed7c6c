import ContextdEngine
import ContextdEvents
import Foundation
import GRDB
import Testing

@testable import ContextdStore

/// A data directory an older contextd left, at each schema it could have left, opens in
/// today's with every row read right through the roles: the engine's state, tasks in each
/// delivery state, explanations, leases and outcomes, stopped candidates, file progress,
/// rejects and late events. Rows are inserted as that version's writer wrote them, with only
/// the columns it had. (`MigrationTests` checks v4's table rebuild row by row.)
@Suite struct OlderSchemaTests {
    /// The last migration of each schema an earlier contextd could have left.
    static let schemas = ["v1-spool-progress", "v2-task-explanations", "v3-task-leases", "v4-rowid-tables",
        "v5-late-events", "v6-expired-on-arrival", "v7-task-browsing"]

    static let nine = Timestamp(rfc3339: "2026-11-23T09:00:00Z")!
    static let clock = nine + .hours(1)

    /// Which migrations a store at `schema` has run.
    struct Schema {
        var last: String
        func has(_ migration: String) -> Bool {
            let order = StoreMigrations.migrator.migrations
            guard let have = order.firstIndex(of: last), let wanted = order.firstIndex(of: migration) else { return false }
            return wanted <= have
        }
    }

    static func task(_ id: String, assignee: String = "queue:fraud", notBefore: Timestamp? = nil, expiresAt: Timestamp? = nil) -> TaskRecord {
        TaskRecord(
            id: id, rule: "card-fraud", subject: "cust-1", assignee: assignee, priority: 50, what: "Call", where: "phone",
            how: ["confirm"], why: "far away", scores: ["fraud": Score(value: 0.9, contributions: [])], evidence: ["e-1"],
            createdAt: nine, notBefore: notBefore, expiresAt: expiresAt, deferredBy: notBefore == nil ? nil : "sessions",
            tags: ["fraud"], data: ["amount": .number(900)])
    }

    static let context = EntityContext(subject: "cust-1", states: [
        "balance": .latest(ContextEntry(value: .number(12.5), time: nine, eventID: "e-1", eventType: "account.balance")),
        "visits": .window([.init(time: nine, amount: 1)]),
    ])

    /// A task row with the columns of v1; `delivery` and `deliveredAt` as that writer set them.
    static func insert(_ task: TaskRecord, delivery: TaskDelivery, deliveredAt: Timestamp? = nil, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO task (id, rule, subject, assignee, priority, created_at, due_at, expires_at, deferred_by, record,
                delivery, delivered_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [task.id, task.rule, task.subject, task.assignee, task.priority, task.createdAt.milliseconds,
                task.dueAt.milliseconds, task.expiresAt?.milliseconds, task.deferredBy, task.storedText,
                delivery.rawValue, deliveredAt?.milliseconds])
    }

    /// What a store at `schema` held: written with that schema's tables and columns only.
    static func writeRows(_ schema: Schema, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO engine_meta (id, clock) VALUES (1, ?)", arguments: [clock.milliseconds])
        try db.execute(sql: "INSERT INTO entity_context (subject, state) VALUES (?, ?)",
            arguments: ["cust-1", context.storedText])
        try db.execute(sql: "INSERT INTO timer (rule, subject, key, at) VALUES ('rent-reminder', 'cust-1', 'p-1', ?)",
            arguments: [(nine + .hours(5)).milliseconds])
        try db.execute(sql: "INSERT INTO seen_event (source, id, time) VALUES ('cards', 'e-1', ?)", arguments: [nine.milliseconds])
        try db.execute(sql: "INSERT INTO dedup_key (key, time) VALUES ('card-fraud|cust-1', ?)", arguments: [nine.milliseconds])
        try db.execute(sql: "INSERT INTO limit_key (key, times) VALUES ('contact|cust-1', ?)",
            arguments: [PersistentValue.encode(.list([.timestamp(nine)]))])
        try insert(task("t-pending", assignee: "user-7"), delivery: .pending, db)
        try insert(task("t-deferred", assignee: "user-7", notBefore: nine + .hours(3)), delivery: .pending, db)
        try insert(task("t-written", assignee: "user-7"), delivery: .written, deliveredAt: nine, db)
        // Expired on arrival: delivered (expired) at its creation, as every writer before v6 did.
        try insert(task("t-eoa", expiresAt: nine), delivery: .expired, deliveredAt: nine, db)
        if schema.has("v6-expired-on-arrival") {
            try db.execute(sql: "UPDATE task SET expired_on_arrival = 1 WHERE id = 't-eoa'")
        }
        try db.execute(sql: "INSERT INTO file_progress (spool, file, items, finished) VALUES ('cards', 'a.jsonl', 3, 0)")
        try db.execute(sql: "INSERT INTO file_reject (spool, file, line, error, raw) VALUES ('cards', 'a.jsonl', 2, 'bad', '{')")
        if schema.has("v5-late-events") {
            try db.execute(sql: """
                INSERT INTO file_reject (spool, file, line, error, raw, late) VALUES ('cards', 'a.jsonl', 3, 'too late', '{"id":"e-3"}', 1)
                """)
        }
        if schema.has("v2-task-explanations") {
            try db.execute(sql: "INSERT INTO task_explanation (id, text) VALUES ('t-pending', 'why t-pending')")
        }
        guard schema.has("v3-task-leases") else { return }
        try insert(task("t-acked"), delivery: .acked, deliveredAt: nine, db)
        try db.execute(sql: """
            UPDATE task SET lease_holder = 'crm-1', attempts = 1, outcome = 'done', note = 'called', acked_at = ?
            WHERE id = 't-acked'
            """, arguments: [(nine + .minutes(5)).milliseconds])
        try insert(task("t-leased"), delivery: .leased, deliveredAt: nine, db)
        try db.execute(sql: """
            UPDATE task SET lease_id = 'l-1', lease_holder = 'crm-2', lease_until = ?, attempts = 2 WHERE id = 't-leased'
            """, arguments: [(clock + .minutes(5)).milliseconds])
        try insert(task("t-dead"), delivery: .dead, deliveredAt: nine, db)
        try db.execute(sql: "UPDATE task SET attempts = 5, lease_holder = 'crm-3' WHERE id = 't-dead'")
        try db.execute(sql: """
            INSERT INTO task_outcome (task, rule, subject, assignee, outcome, note, time)
            VALUES ('t-acked', 'card-fraud', 'cust-1', 'queue:fraud', 'done', 'called', ?)
            """, arguments: [(nine + .minutes(5)).milliseconds])
        try db.execute(sql: """
            INSERT INTO suppressed_task (id, rule, subject, assignee, policy, created_at, record)
            VALUES ('s-1', 'card-fraud', 'cust-1', 'queue:fraud', 'contact-cap', ?, ?)
            """, arguments: [nine.milliseconds, task("s-1").storedText])
    }

    /// A store at `schema` with its rows, closed, as the older contextd left it.
    static func writeStore(at path: String, _ schema: Schema) throws {
        let old = try DatabaseQueue(path: path)
        try StoreMigrations.migrator.migrate(old, upTo: schema.last)
        try old.write { try writeRows(schema, $0) }
        try old.close()
    }

    static func appliedMigrations(_ store: SQLiteStore) throws -> [String] {
        try store.pool.read(StoreMigrations.migrator.appliedMigrations)
    }

    @Test(arguments: schemas)
    func aStoreLeftAtAnOlderSchemaReadsRightThroughEveryRole(_ last: String) async throws {
        let schema = Schema(last: last)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("older-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("contextd.sqlite").path
        try Self.writeStore(at: path, schema)
        let sqlite = try SQLiteStore(path: path)
        #expect(try Self.appliedMigrations(sqlite) == StoreMigrations.migrator.migrations)
        let store: any DaemonStore = sqlite
        let leases = schema.has("v3-task-leases")

        let snapshot = try store.snapshot()
        #expect(snapshot.clock == Self.clock)
        #expect(snapshot.contexts == [Self.context])
        #expect(snapshot.timers == [TimerEntry(at: Self.nine + .hours(5), ruleOrder: 0, rule: "rent-reminder", subject: "cust-1", key: "p-1")])
        #expect(snapshot.seenEvents == [SeenEvent(source: "cards", id: "e-1", time: Self.nine)])
        #expect(snapshot.dedupKeys == ["card-fraud|cust-1": Self.nine])
        #expect(snapshot.limitKeys == ["contact|cust-1": [Self.nine]])
        #expect(snapshot.deferredTasks == [Self.task("t-deferred", assignee: "user-7", notBefore: Self.nine + .hours(3))])
        #expect(try store.storedContext(of: "cust-1") == Self.context)

        #expect(try store.tasks(in: .pending).map(\.record.id) == ["t-deferred", "t-pending"])
        #expect(try store.tasks(in: .written).map(\.record) == [Self.task("t-written", assignee: "user-7")])
        #expect(try store.tasks(in: .expired).map(\.record.id) == ["t-eoa"])
        #expect(try store.tasks(in: .acked).map(\.record.id) == (leases ? ["t-acked"] : []))
        #expect(try store.dueTasks(at: Self.clock, limit: 10).map(\.record.id) == ["t-pending"])
        #expect(try store.nextDue(after: Self.clock) == Self.nine + .hours(3))

        let pending = try #require(try (store as any StateStore).explanation(of: "t-pending"))
        #expect(pending.status == "pending")
        #expect(pending.text == (schema.has("v2-task-explanations") ? "why t-pending" : nil))
        #expect(try (store as any StateStore).explanation(of: "t-acked")?.status
            == (leases ? "acked (done: called), leased once" : nil))
        #expect(try await (store as any TaskBrowser).explanation(of: "s-1")?.status
            == (leases ? "suppressed by policy contact-cap" : nil))

        #expect(try store.progress(spool: "cards") == ["a.jsonl": FileProgress(spool: "cards", file: "a.jsonl", items: 3, finished: false)])
        #expect(try store.rejects(spool: "cards", file: "a.jsonl") == [EventRejection(line: 2, error: "bad", raw: "{")])
        #expect(try store.lateEvents(spool: "cards", file: "a.jsonl")
            == (schema.has("v5-late-events") ? [EventRejection(line: 3, error: "too late", raw: #"{"id":"e-3"}"#)] : []))

        var tally = StoredTaskTally()
        tally.byDelivery = leases ? [.pending: 2, .written: 1, .expired: 1, .acked: 1, .leased: 1, .dead: 1]
            : [.pending: 2, .written: 1, .expired: 1]
        tally.deferred = 1
        tally.acked = leases ? ["done": 1] : [:]
        tally.expiredOnArrival = 1
        #expect(try await store.taskTally(at: Self.clock) == tally)
        try await Self.expectQueueRows(store, leases: leases)

        // The store goes on from there: a commit on the migrated tables reads back.
        try store.commit(Commit(changes: StateChanges(clock: Self.clock + .minutes(1)),
            tasks: [.created(Self.task("t-new", assignee: "user-7"))]))
        #expect(try store.snapshot().clock == Self.clock + .minutes(1))
        #expect(try store.dueTasks(at: Self.clock + .minutes(1), limit: 10).map(\.record.id) == ["t-new", "t-pending"])
    }

    /// The queue's rows of v3 and later: leases, dead letters, outcomes, stopped candidates.
    static func expectQueueRows(_ store: any DaemonStore, leases: Bool) async throws {
        let page = try await store.browseTasks(TaskBrowseQuery(scope: [""], limit: 20)).tasks
        #expect(page.map(\.record.id) == (leases ? ["t-written", "t-pending", "t-leased", "t-eoa", "t-deferred", "t-dead", "t-acked"]
            : ["t-written", "t-pending", "t-eoa", "t-deferred"]))
        #expect(try await store.nextLeaseEnd() == (leases ? clock + .minutes(5) : nil))
        #expect(try store.pendingOutcomes(limit: 10).map(\.task) == (leases ? ["t-acked"] : []))
        #expect(try await store.suppressedTasks(assigneePrefixes: [""], limit: 10).map(\.policy) == (leases ? ["contact-cap"] : []))
        let dead = try await store.deadLetters(assigneePrefixes: [""], limit: 10, terms: LeaseTerms(), at: clock)
        #expect(dead.map(\.record.id) == (leases ? ["t-dead"] : []))
        guard leases else { return }
        let leased = try #require(try await store.browsedTask(id: "t-leased", scope: [""]))
        #expect(leased.leaseHolder == "crm-2" && leased.attempts == 2 && leased.leaseUntil == clock + .minutes(5))
        // The lease an older contextd handed out is still honoured, and ends as it would have.
        let released = try await store.release(taskID: "t-leased", leaseID: "l-1", scope: [""], terms: LeaseTerms(), at: clock)
        #expect((try? released.get())?.delivery == .queued)
        let acked = try #require(try await store.browsedTask(id: "t-acked", scope: [""]))
        #expect(acked.stateText == "acked (done)" && acked.note == "called" && acked.ackedAt == nine + .minutes(5))
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
