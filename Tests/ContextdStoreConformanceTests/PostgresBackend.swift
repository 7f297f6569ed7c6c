import ContextdStore
import ContextdTestKit

extension StoreBackend {
    /// PostgreSQL, opened as the daemon opens it (``StoreLocation/postgresql(_:)``: the URL parsed
    /// by ``PostgresAddress``, one connection checked, the schema migrated), on a database of its
    /// own per test case on the server of `CONTEXTD_TEST_POSTGRES_URL`.
    static let postgresql = StoreBackend(
        name: "postgresql", kind: "postgresql", isAvailable: { PostgresTestServer.isEnabled }
    ) {
        PostgresTestServer.noteRun()  // this test case reached the server
        let database = try await PostgresTestDatabase.create()
        let location = StoreLocation.postgresql(try PostgresSettings(address: PostgresAddress(parsing: database.url)))
        return StoreUnderTest(
            store: try location.open(),
            reopen: { old in
                old.close()
                return try location.open()
            },
            cleanup: { old in
                old.close()
                try await database.drop()
            })
    }
}
