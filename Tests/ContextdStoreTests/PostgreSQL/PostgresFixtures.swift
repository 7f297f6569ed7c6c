import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit

/// Records the PostgreSQL tests commit: the same shapes SQLite's tests use.
enum PostgresFixtures {
    static let nine = Timestamp(rfc3339: "2026-11-23T09:00:00Z")!

    static func task(
        _ id: String, subject: String? = nil, assignee: String = "queue:fraud", priority: Double = 50,
        createdAt: Timestamp = nine, notBefore: Timestamp? = nil, expiresAt: Timestamp? = nil
    ) -> TaskRecord {
        TaskRecord(
            id: id, rule: "r", subject: subject ?? "s-" + id, assignee: assignee, priority: priority, what: "Call",
            where: "phone", how: ["say hello"], why: "because", scores: [:], evidence: ["e-1"], createdAt: createdAt,
            notBefore: notBefore, expiresAt: expiresAt, deferredBy: notBefore == nil ? nil : "later", tags: ["t"],
            data: ["amount": .number(12.5)])
    }

    static func entry(_ id: String, _ value: Value, at time: Timestamp, key: String? = nil) -> ContextEntry {
        ContextEntry(key: key, value: value, time: time, eventID: id, eventType: "card.tx")
    }

    /// A context with every kind of state, values of every kind that needs a tag.
    static func context(_ subject: String) -> EntityContext {
        EntityContext(subject: subject, states: [
            "last_tx": .latest(entry("e1", .object(["amount": .number(3), "$odd": .string("x")]), at: nine)),
            "nothing_yet": .latest(nil),
            "cards": .collection([
                entry("e2", .string("visa"), at: nine, key: "c1"),
                entry("e3", .timestamp(nine + .hours(1)), at: nine + .minutes(1), key: "c2"),
            ]),
            "logins": .history([entry("e4", .duration(.minutes(5)), at: nine)]),
            "spend": .window([.init(time: nine, amount: 10), .init(time: nine + .minutes(2), amount: 2.5)]),
        ])
    }

    /// The test's own database, dropped when `body` ends; the test counts as one that reached
    /// the server.
    static func withDatabase<T>(_ body: (PostgresTestDatabase) async throws -> T) async throws -> T {
        let database = try await PostgresTestDatabase.create()
        PostgresTestServer.noteRun()
        do {
            let value = try await body(database)
            try await database.drop()
            return value
        } catch {
            try? await database.drop()
            throw error
        }
    }
}

extension PostgresTestDatabase {
    /// A store on it, migrated.
    func store(options: PostgresStore.Options = PostgresStore.Options()) throws -> PostgresStore {
        let store = try PostgresStore(configuration: server.clientConfiguration(database: name), options: options)
        try store.migrate()
        return store
    }

    /// A store that reaches the server through `port` on this host (a proxy), not migrated.
    func store(throughPort port: Int, options: PostgresStore.Options = PostgresStore.Options()) throws -> PostgresStore {
        try PostgresStore(configuration: server.clientConfiguration(database: name, host: "127.0.0.1", port: port), options: options)
    }
}

extension StateStore {
    /// ``StateStore/taskCounts()``, the synchronous form (an async caller would get the probe's).
    func syncTaskCounts() throws -> [TaskDelivery: Int] { try taskCounts() }
    /// ``StateStore/explanation(of:)``, the synchronous form.
    func syncExplanation(of id: String) throws -> StoredExplanation? { try explanation(of: id) }
}
