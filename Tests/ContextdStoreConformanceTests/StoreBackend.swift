import ContextdStore
import ContextdTestKit
import Testing

/// A store backend under test: how to open a fresh, empty store of its own.
///
/// The conformance suite is the promise every backend keeps (docs/decisions/0016-store-by-role.md,
/// "What a third backend implements"): restart equivalence, exactly-once under interrupted
/// commits, due tasks exactly as ``TaskRecord/isDue(at:)`` says, leases never handed to two
/// holders, paging, the probe, and a fresh or reopened store that changes nothing. Every test
/// is parameterized over ``all`` (`@Test(arguments: StoreBackend.all)`), so each backend is a
/// test case of its own in the output, and every test body sees only the role protocols
/// (`any DaemonStore`): no SQL, no driver, no concrete store type.
///
/// ## Adding a backend
/// Write one factory beside ``sqlite`` (`SQLiteBackend.swift`) and ``postgresql``
/// (`PostgresBackend.swift`: a database of its own per test case, ``PostgresTestDatabase``,
/// opened as the daemon opens it) and list it in ``all``.
///
/// `makeStore` is `async` because a backend may have to set things up first (PostgreSQL creates
/// a database per test case). `reopen` closes the store and opens the same data again, as a
/// restart of the daemon does; `cleanup` closes it and removes the data.
///
/// `swift test` runs the suite on SQLite alone; a backend that needs a server lists itself
/// only when ``isAvailable`` says so. `.ci/run` starts a throwaway PostgreSQL cluster, sets
/// `CONTEXTD_TEST_POSTGRES_URL` and `CONTEXTD_REQUIRE_POSTGRES=1` (then the backend is listed
/// and fails without a server rather than being skipped), and counts the test cases that
/// reached the server through ``PostgresTestServer/noteRun(_:)``, which the factory calls.
struct StoreBackend: Sendable, CustomTestStringConvertible {
    /// How the backend is named in test output.
    var name: String
    /// What its ``StoreHealth/kind`` says.
    var kind: String
    /// Whether it can be tested here.
    var isAvailable: @Sendable () -> Bool
    /// A fresh, empty store of its own.
    var makeStore: @Sendable () async throws -> StoreUnderTest

    var testDescription: String { name }

    /// Every backend the suite runs against on this machine.
    static let all: [StoreBackend] = [sqlite, postgresql].filter { $0.isAvailable() }

    /// Runs `body` on a fresh store and removes it afterwards, whether `body` threw or not.
    func withStore<T>(_ body: (StoreUnderTest) async throws -> T) async throws -> T {
        let store = try await makeStore()
        let result: Result<T, any Error>
        do {
            result = .success(try await body(store))
        } catch {
            result = .failure(error)
        }
        await store.cleanup()
        return try result.get()
    }
}

/// A store a test works on, and the data behind it.
///
/// Tests reach the store through ``store`` and call ``reopen()`` where the daemon would
/// restart; a reference kept from before a reopen points at a closed store.
final class StoreUnderTest {
    private(set) var store: any DaemonStore
    private let reopenStore: @Sendable (any DaemonStore) async throws -> any DaemonStore
    private let cleanupStore: @Sendable (any DaemonStore) async throws -> Void

    /// `reopen` closes the store it is given and opens the same data again; `cleanup` closes
    /// it and removes the data.
    init(
        store: any DaemonStore, reopen: @escaping @Sendable (any DaemonStore) async throws -> any DaemonStore,
        cleanup: @escaping @Sendable (any DaemonStore) async throws -> Void
    ) {
        self.store = store
        reopenStore = reopen
        cleanupStore = cleanup
    }

    /// Closes the store and opens its data again, as a restart does.
    @discardableResult func reopen() async throws -> any DaemonStore {
        store = try await reopenStore(store)
        return store
    }

    /// Closes the store and removes its data; a failure is recorded, not thrown, so that it
    /// never hides the test's own.
    func cleanup() async {
        do {
            try await cleanupStore(store)
        } catch {
            Issue.record("cleaning up the store failed: \(error)")
        }
    }
}
