import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Synchronization
import Testing

/// The group commit when the connection fails under it, through a proxy that cuts it: right
/// after the COMMIT reached the server (in doubt: durable, its answer lost), just before the
/// COMMIT (not durable: redone), and a server unreachable from the start.
@Suite(.postgres, .blocksAThread) struct PostgresInDoubtCommitTests {
    typealias F = PostgresFixtures

    /// A commit whose every part would show if it were applied twice: staged tasks (a second
    /// insert reports them not staged), a reject and an appended explanation (written twice,
    /// they double).
    static func batch(_ n: Int) -> Commit {
        var changes = StateChanges(clock: F.nine + .minutes(Int64(n)))
        changes.contexts = [F.context("card-\(n)")]
        var commit = Commit(
            changes: changes, tasks: [.created(F.task("t-\(n)a")), .created(F.task("t-\(n)b"))],
            rejects: [FileReject(spool: "cards", file: "f\(n).jsonl",
                rejection: EventRejection(line: 1, error: "bad", raw: "{"))],
            explanations: [TaskExplanation(taskID: "t-1a", text: "more \(n)\n", appends: n > 1)])
        commit.outbox = OutboxDelivery(staged: ["t-\(n)a", "t-\(n)b"], written: [], time: F.nine)
        return commit
    }

    static func options(_ warnings: Warnings) -> PostgresStore.Options {
        var options = PostgresStore.Options()
        options.firstRetryDelay = .milliseconds(20)
        options.longestRetryDelay = .milliseconds(200)
        options.warn = { warnings.add($0) }
        return options
    }

    final class Warnings: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func aCommitCutAfterItsCOMMITReachedTheServerIsDurableOnce() async throws {
        try await F.withDatabase { database in
            let proxy = try CuttingProxy(upstreamPort: database.server.port)
            defer { proxy.stop() }
            let warnings = Warnings()
            let store = try database.store(throughPort: proxy.port, options: Self.options(warnings))
            defer { store.close() }
            try store.migrate()
            try store.commit(Self.batch(1))

            proxy.arm(.afterCommitReached)
            let receipt = try store.commit(Self.batch(2))
            #expect(proxy.cuts == 1, "the connection was cut after the COMMIT")
            #expect(receipt.notStaged.isEmpty, "its tasks were inserted by this commit, once")
            #expect(try await database.column("SELECT commit_seq::text FROM engine_meta") == ["2"])
            #expect(try await database.column("SELECT id FROM task ORDER BY id") == ["t-1a", "t-1b", "t-2a", "t-2b"])
            #expect(try await database.column("SELECT delivery FROM task WHERE id LIKE 't-2%'") == ["staged", "staged"])
            #expect(try store.rejects(spool: "cards", file: "f2.jsonl").count == 1)
            #expect(try await database.column("SELECT text FROM task_explanation") == ["more 1\nmore 2\n"])
            #expect(try store.storedContext(of: "card-2") == F.context("card-2"))
            let location = "127.0.0.1:\(proxy.port)/\(database.name)"
            #expect(warnings.all == [
                "PostgreSQL unreachable: \(location): the server closed the connection; retrying",
                "PostgreSQL reachable again: \(location)",
            ])

            // The next commit goes on normally, numbered after it.
            #expect(try store.commit(Self.batch(3)).notStaged.isEmpty)
            #expect(try await database.column("SELECT commit_seq::text FROM engine_meta") == ["3"])
            #expect(try store.snapshot().clock == F.nine + .minutes(3))
            #expect(try await database.column("SELECT text FROM task_explanation") == ["more 1\nmore 2\nmore 3\n"])
        }
    }

    @Test func aCommitCutBeforeItsCOMMITIsRedoneAndAppliedOnce() async throws {
        try await F.withDatabase { database in
            let proxy = try CuttingProxy(upstreamPort: database.server.port)
            defer { proxy.stop() }
            let store = try database.store(throughPort: proxy.port, options: Self.options(Warnings()))
            defer { store.close() }
            try store.migrate()
            try store.commit(Self.batch(1))

            proxy.arm(.beforeCommit)
            let receipt = try store.commit(Self.batch(2))
            #expect(proxy.cuts == 1)
            #expect(receipt.notStaged.isEmpty)
            #expect(try await database.column("SELECT commit_seq::text FROM engine_meta") == ["2"])
            #expect(try await database.column("SELECT count(*)::text FROM task") == ["4"])
            #expect(try await database.column("SELECT count(*)::text FROM file_reject") == ["2"])
            #expect(try await database.column("SELECT text FROM task_explanation") == ["more 1\nmore 2\n"])
            #expect(try store.commit(Self.batch(3)).notStaged.isEmpty)
            #expect(try await database.column("SELECT commit_seq::text FROM engine_meta") == ["3"])
        }
    }

    @Test func aServerUnreachableAtFirstIsWaitedForAndTheCommitLands() async throws {
        try await F.withDatabase { database in
            // Migrated directly; the store reaches it only through a proxy that lets nothing through yet.
            try database.store().close()
            let proxy = try CuttingProxy(upstreamPort: database.server.port, passing: false)
            defer { proxy.stop() }
            let warnings = Warnings()
            let store = try database.store(throughPort: proxy.port, options: Self.options(warnings))
            defer { store.close() }

            let pending = store.startCommit(Self.batch(1), after: nil)
            while proxy.refused < 2 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(await store.isAvailable() == false, "unavailable while the commit retries")
            #expect(warnings.all.count == 1)
            proxy.setPassing(true)
            let receipt = try pending.wait()
            #expect(receipt.notStaged.isEmpty)
            #expect(await store.isAvailable())
            #expect(warnings.all.count == 2 && warnings.all.last?.hasPrefix("PostgreSQL reachable again: ") == true)
            #expect(try await database.column("SELECT count(*)::text FROM task") == ["2"])
            #expect(try await database.column("SELECT commit_seq::text FROM engine_meta") == ["1"])
        }
    }

    @Test func aCommitWaitingForARefusingServerFailsInWordsWhenTheStoreCloses() async throws {
        try await F.withDatabase { database in
            // Nothing listens where the store connects: every connection is refused.
            let proxy = try CuttingProxy(upstreamPort: database.server.port)
            proxy.stop()
            let warnings = Warnings()
            let store = try database.store(throughPort: proxy.port, options: Self.options(warnings))
            let pending = store.startCommit(Self.batch(1), after: nil)
            while warnings.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            #expect(warnings.all == [
                "PostgreSQL unreachable: 127.0.0.1:\(proxy.port)/\(database.name): cannot connect: Connection refused; retrying",
            ])
            #expect(await store.isAvailable() == false)
            store.close()
            let error = try #require(throws: PostgresStoreError.self) { try pending.wait() }
            #expect(error.description.hasPrefix("postgresql commit: the store was closed while PostgreSQL was unreachable ("))
            #expect(error.description.hasSuffix("); the batch is not committed"))
        }
    }
}
