import ContextdTestKit
import PostgresNIO
import Testing

/// The database a PostgreSQL test case gets: its own, empty, reachable at its URL, and gone
/// after the drop.
@Suite(.postgres, .blocksAThread) struct PostgresTestDatabaseTests {
    @Test func eachTestCaseGetsAnEmptyDatabaseOfItsOwnThatTheDropRemoves() async throws {
        PostgresTestServer.noteRun()
        let first = try await PostgresTestDatabase.create()
        let second = try await PostgresTestDatabase.create()
        #expect(first.name != second.name)
        #expect(first.url.hasSuffix("/" + first.name) && first.url.hasPrefix("postgresql://"))
        let bothExist = try await (first.exists(), second.exists())
        #expect(bothExist == (true, true))

        let tables = try await first.withConnection { connection, logger in
            try await connection.query("CREATE TABLE probe (n integer)", logger: logger)
            try await connection.query("INSERT INTO probe VALUES (7)", logger: logger)
            var names: [String] = []
            let rows = try await connection.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", logger: logger)
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
        #expect(tables == ["probe"])
        let seenFromTheOther = try await second.withConnection { connection, logger in
            let rows = try await connection.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", logger: logger)
            var count = -1
            for try await n in rows.decode(Int.self) { count = n }
            return count
        }
        #expect(seenFromTheOther == 0)

        try await first.drop()
        try await second.drop()
        let eitherExists = try await (first.exists(), second.exists())
        #expect(eitherExists == (false, false))
    }
}

/// The server's URL as `CONTEXTD_TEST_POSTGRES_URL` gives it, read without a server.
@Suite struct PostgresTestServerURLTests {
    @Test func aURLThatIsNotPostgreSQLsIsNamedInTheError() throws {
        #expect(throws: PostgresTestDatabaseError.self) { try PostgresTestDatabase.Server(url: "mysql://a@b/c") }
        let server = try PostgresTestDatabase.Server(url: "postgresql://contextd:p%40ss@127.0.0.1:54329/contextd_test")
        #expect(server.user == "contextd" && server.password == "p@ss" && server.port == 54329 && server.database == "contextd_test")
        #expect(try PostgresTestDatabase.Server(url: server.url(of: "other")).password == "p@ss")
    }
}
