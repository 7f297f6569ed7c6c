import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import PostgresNIO
import Testing

/// A failure that is not a lost connection fails the commit, as SQLite's would, instead of
/// being retried: here the statement timeout every connection of the store runs with.
@Suite(.postgres, .blocksAThread) struct PostgresCommitFailureTests {
    typealias F = PostgresFixtures

    @Test func aStatementTimeoutFailsTheCommitAndTheNextOneGoesOn() async throws {
        try await F.withDatabase { database in
            var options = PostgresStore.Options()
            options.statementTimeout = .milliseconds(300)
            let store = try database.store(options: options)
            defer { store.close() }
            try store.commit(Commit(changes: StateChanges(clock: F.nine)))

            // Another session holds the row every commit locks first.
            let logger = Logger(label: "test")
            let blocker = try await PostgresConnection.connect(
                configuration: database.server.connectionConfiguration(database: database.name), id: 1, logger: logger)
            try await blocker.query("BEGIN", logger: logger)
            try await blocker.query("SELECT commit_seq FROM engine_meta FOR UPDATE", logger: logger)
            let error = try #require(throws: PostgresStoreError.self) {
                try store.commit(Commit(changes: StateChanges(clock: F.nine + .hours(1)),
                    tasks: [.created(F.task("t-1"))]))
            }
            #expect(error.description == "postgresql commit: [57014] canceling statement due to statement timeout")
            #expect(await store.health().lastError == error.description)
            try await blocker.query("ROLLBACK", logger: logger)
            try await blocker.close()

            // Nothing of it was written; the next commit is numbered after the last that was.
            #expect(try await database.column("SELECT count(*)::text FROM task") == ["0"])
            try store.commit(Commit(changes: StateChanges(clock: F.nine + .hours(2)), tasks: [.created(F.task("t-2"))]))
            #expect(try await database.column("SELECT commit_seq::text FROM engine_meta") == ["2"])
            #expect(try store.snapshot().clock == F.nine + .hours(2))
        }
    }
}
