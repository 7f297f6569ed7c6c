import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Testing

/// The schema's migrations: recorded, applied once, and a database from a newer contextd is
/// refused with words that say what to do.
@Suite(.postgres, .blocksAThread) struct PostgresMigrationTests {
    typealias F = PostgresFixtures

    @Test func aSecondMigrateIsANoOp() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            try store.commit(Commit(changes: StateChanges(clock: F.nine), tasks: [.created(F.task("t-1"))]))
            #expect(try store.migrate() == [])
            let again = try database.store(throughPort: database.server.port)
            defer { again.close() }
            #expect(try again.migrate() == [])
            #expect(try await database.column("SELECT name FROM contextd_migration ORDER BY name") == ["pg1-schema", "pg2-event-log", "pg3-cluster", "pg4-watermark", "pg5-rule-switch"])
            #expect(try again.snapshot().clock == F.nine, "nothing was recreated")
        }
    }

    @Test func aFreshDatabaseIsMigratedInFull() async throws {
        try await F.withDatabase { database in
            let store = try database.store(throughPort: database.server.port)
            defer { store.close() }
            #expect(try store.migrate() == ["pg1-schema", "pg2-event-log", "pg3-cluster", "pg4-watermark", "pg5-rule-switch"])
            #expect(try await database.column("""
                SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables
                WHERE table_schema = 'public'
                """) == ["cluster,cluster_rules,contextd_migration,dedup_key,engine_meta,entity_context,event_log,file_progress,file_reject,"
                    + "limit_key,log_file,log_head,node,partition_lease,rule_set,seen_event,suppressed_task,task,task_explanation,"
                    + "task_outcome,timer"])
            #expect(try await database.column("""
                SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.columns
                WHERE table_schema = 'public' AND column_name = 'partition'
                """) == ["entity_context,event_log,partition_lease,suppressed_task,task,task_outcome,timer"])
        }
    }

    @Test func aDatabaseMigratedByANewerContextdIsRefused() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            _ = try await database.column("INSERT INTO contextd_migration (name) VALUES ('pg9-from-the-future') RETURNING name")
            let error = try #require(throws: PostgresStoreError.self) { try store.migrate() }
            #expect(error.description == """
                postgresql migrate: the database was migrated by a newer contextd (migrations pg9-from-the-future \
                are unknown to this one); run that version, or point `store:` at another database
                """)
        }
    }
}
