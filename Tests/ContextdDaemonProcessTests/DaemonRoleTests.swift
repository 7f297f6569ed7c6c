import ContextdEngine
import ContextdStore
import ContextdTestKit
import Foundation
import Testing

/// docs/operations.md, "Roles and grants": the schema's owner runs `contextd migrate`; the
/// daemon logs in as a role that may only read and write rows, and starts (its own start-up
/// migration finds nothing to do and needs no DDL right), runs and gives `replay`'s tasks.
/// Set up with the documentation's SQL, on a cluster of the test's own (creating roles needs
/// its superuser).
@Suite(.serialized, .blocksAThread) struct DaemonRoleTests {
    @Test(.postgres) func aDaemonRoleWithoutDDLRightsRunsOnTheSchemaItsOwnerMigrated() throws {
        let cluster = try ThrowawayCluster()
        let ownerPassword = "owner-\(UUID().uuidString.prefix(8))"
        let daemonPassword = "daemon-\(UUID().uuidString.prefix(8))"
        try cluster.superuser("CREATE ROLE contextd_owner LOGIN PASSWORD '\(ownerPassword)'", database: "postgres")
        try cluster.superuser("CREATE ROLE contextd_daemon LOGIN PASSWORD '\(daemonPassword)'", database: "postgres")
        try cluster.superuser("CREATE DATABASE contextd_rows OWNER contextd_owner", database: "postgres")
        // docs/operations.md's statements, with the daemon's role named contextd_daemon.
        try cluster.superuser("""
            REVOKE CREATE ON SCHEMA public FROM PUBLIC;
            CREATE SCHEMA contextd AUTHORIZATION contextd_owner;
            ALTER ROLE contextd_owner IN DATABASE contextd_rows SET search_path = contextd;
            ALTER ROLE contextd_daemon IN DATABASE contextd_rows SET search_path = contextd;
            GRANT USAGE ON SCHEMA contextd TO contextd_daemon;
            ALTER DEFAULT PRIVILEGES FOR ROLE contextd_owner IN SCHEMA contextd
              GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO contextd_daemon;
            ALTER DEFAULT PRIVILEGES FOR ROLE contextd_owner IN SCHEMA contextd
              GRANT USAGE, SELECT ON SEQUENCES TO contextd_daemon;
            """, database: "contextd_rows")

        let database = try SandboxDatabase(
            existing: "postgresql://contextd_daemon:\(daemonPassword)@127.0.0.1:\(cluster.port)/contextd_rows?sslmode=disable")
        let sandbox = try DaemonSandbox(backend: .postgresql, postgres: database, batchEvents: 25)
        // The premise: the daemon's role cannot create a table, in either schema.
        #expect(throws: (any Error).self) { try database.execute("CREATE TABLE probe (a int)") }
        #expect(throws: (any Error).self) { try database.execute("CREATE TABLE public.probe (a int)") }
        // So it cannot create the schema itself: `contextd migrate` as the daemon refuses (78).
        let refused = try sandbox.runToEnd(["migrate"])
        #expect(refused.status == 78)
        #expect(refused.error.contains("permission denied for schema contextd"), "\(refused.error)")

        // The owner migrates, with a configuration of its own.
        let config = try String(contentsOf: sandbox.directory.appendingPathComponent("contextd.yaml"), encoding: .utf8)
        let ownerConfig = config.replacingOccurrences(of: "contextd_daemon@", with: "contextd_owner@")
            .replacingOccurrences(of: "./store-password", with: "./owner-password")
        #expect(ownerConfig != config)
        try ownerConfig.write(to: sandbox.directory.appendingPathComponent("owner.yaml"), atomically: true, encoding: .utf8)
        try (ownerPassword + "\n").write(to: sandbox.directory.appendingPathComponent("owner-password"), atomically: true,
            encoding: .utf8)
        var ownerAddress = database.address
        ownerAddress.user = "contextd_owner"
        let migrated = try sandbox.runToEnd(["migrate"], config: "owner.yaml")
        #expect(migrated.status == 0, "\(migrated.error)")
        #expect(migrated.output == "applied pg1-schema\napplied pg2-event-log\napplied pg3-cluster\napplied pg4-watermark\napplied pg5-rule-switch\nthe store at \(ownerAddress) is up to date (5 migration(s) applied)\n")

        // The daemon's role finds nothing to do, without DDL: `migrate` and the start-up's.
        let current = try sandbox.runToEnd(["migrate"])
        #expect(current.status == 0, "\(current.error)")
        #expect(current.output == "the store at \(database.address) is up to date\n")

        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z"))
        let files = EventMix(customers: 150, start: start, seed: 11).files(perFile: 30)
        let copies = try sandbox.dropKeepingCopies(files)
        try sandbox.start()
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop() == 0)
        #expect(sandbox.names(in: "done").count == files.count)
        #expect(try OutboxComparison.expectSameTasks(sandbox, files: copies) > 5)
        #expect(!sandbox.logText.contains(" error "), "\(sandbox.logText.suffix(2000))")
        #expect(try database.execute("SELECT count(*)::text FROM contextd_migration") == ["5"])
        #expect(try database.execute("SELECT tableowner::text FROM pg_tables WHERE tablename = 'task'") == ["contextd_owner"])
    }
}
