import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Testing

/// The group commit of a node of several (``Commit/fence``, decision 0018 §2): written with
/// its partitions' position and clock while their leases are the node's at the fence's epochs,
/// refused whole (``FencedOut``) once one moved on, serialized with a takeover on the lease
/// row whichever comes first, and durable once when its COMMIT answer is lost.
@Suite(.postgres, .blocksAThread) struct PostgresFencedCommitTests {
    typealias F = PostgresFixtures
    typealias C = PostgresClusterFixtures

    static let a = C.subject(in: 3, of: 64, "a")
    static let b = C.subject(in: 9, of: 64, "b")

    /// Contexts of `a` and `b`, a task of each (`t-a` staged), fenced on `leases`.
    static func batch(_ membership: Membership, _ leases: [PartitionLease], position: Int64, clock: Timestamp?) -> Commit {
        var changes = StateChanges(clock: clock)
        changes.contexts = [F.context(a), F.context(b)]
        var commit = Commit(changes: changes, tasks: [.created(F.task("t-a", subject: a)), .created(F.task("t-b", subject: b))])
        commit.outbox = OutboxDelivery(staged: ["t-a"], written: [], time: F.nine)
        commit.fence = CommitFence(
            node: membership.identity.node, incarnation: membership.incarnation,
            leases: leases.map { PartitionEpoch(partition: $0.partition, epoch: $0.epoch) }, position: position, clock: clock)
        return commit
    }

    /// Whether nothing of ``batch(_:_:position:clock:)`` is in the database.
    static func nothingWritten(_ database: PostgresTestDatabase) async throws -> Bool {
        try await database.column("""
            SELECT (SELECT count(*) FROM entity_context) || ' ' || (SELECT count(*) FROM task) || ' '
                || (SELECT sum(commit_seq) FROM node) || ' ' || (SELECT sum(applied_pos) FROM partition_lease)
            """) == ["0 0 0 0"]
    }

    @Test func aFencedCommitWritesItsPartitionsPositionAndWhoStagedAndLeavesEngineMetaAlone() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let one = try C.join(store, "n1", lease: .seconds(60))
            let leases = try [3, 9].map { try #require(try store.acquire($0, for: one)) }
            let clock = F.nine + .minutes(1)
            let receipt = try store.commit(Self.batch(one, leases, position: 42, clock: clock))
            #expect(receipt.notStaged.isEmpty)
            #expect(try await database.column("""
                SELECT partition || ' ' || applied_pos || ' ' || coalesce(clock::text, '-') FROM partition_lease
                WHERE applied_pos > 0 OR clock IS NOT NULL ORDER BY partition
                """) == ["3 42 \(clock.milliseconds)", "9 42 \(clock.milliseconds)"])
            #expect(try await database.column("SELECT id || ' ' || delivery || ' ' || coalesce(staged_by, '-') FROM task ORDER BY id")
                == ["t-a staged n1", "t-b pending -"])
            #expect(try await database.column("SELECT commit_seq::text FROM node") == ["1"])
            #expect(try await database.column("""
                SELECT commit_seq || ' ' || coalesce(clock::text, '-') FROM engine_meta
                """) == ["0 -"], "several nodes do not queue on engine_meta")
            #expect(try store.storedContext(of: Self.a) == F.context(Self.a))

            // The next one numbers on; without a clock the partitions keep theirs.
            var next = Commit(changes: StateChanges(clock: nil))
            next.fence = CommitFence(node: "n1", incarnation: 1, leases: [PartitionEpoch(partition: 3, epoch: 1)],
                position: 50, clock: nil)
            try store.commit(next)
            #expect(try await database.column("SELECT commit_seq::text FROM node") == ["2"])
            #expect(try await database.column("SELECT applied_pos || ' ' || clock FROM partition_lease WHERE partition = 3")
                == ["50 \(clock.milliseconds)"])

            // A commit without a fence is a daemon alone's, as before.
            try store.commit(Commit(changes: StateChanges(clock: F.nine + .hours(1)), tasks: [.created(F.task("t-c"))]))
            #expect(try await database.column("SELECT commit_seq::text FROM engine_meta") == ["1"])
            #expect(try await database.column("SELECT coalesce(staged_by, '-') FROM task WHERE id = 't-c'") == ["-"])
        }
    }

    @Test func aCommitFencedOutByATakeoverWritesNothingAndAnExpiredLeaseAloneDoesNotFence() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let one = try C.join(store, "n1", lease: .seconds(1))
            let two = try C.join(store, "n2", lease: .seconds(60))
            let leases = try [3, 9].map { try #require(try store.acquire($0, for: one)) }
            try await C.untilExpired(store, partition: 9)
            #expect(try store.acquire(9, for: two)?.epoch == 2)

            let refused = try #require(throws: FencedOut.self) {
                try store.commit(Self.batch(one, leases, position: 42, clock: F.nine))
            }
            #expect(refused.partitions == [9])
            #expect(refused.description
                == "partitions 9 moved to another owner; this node's commit was refused and nothing of it was written")
            #expect(try await Self.nothingWritten(database))

            // Partition 3's lease ran out too, but no one took it: n1's commit on it lands.
            #expect(try store.view().leases[3].isExpired)
            try store.commit(Self.batch(one, [leases[0]], position: 43, clock: F.nine))
            #expect(try await database.column("SELECT count(*)::text FROM task") == ["2"])
            #expect(try await database.column("SELECT applied_pos::text FROM partition_lease WHERE partition = 3") == ["43"])
        }
    }

    @Test func anEarlierIncarnationsCommitIsRefusedAsSuperseded() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let earlier = try C.join(store, "n1", lease: .seconds(60))
            let leases = try [3, 9].map { try #require(try store.acquire($0, for: earlier)) }
            _ = try C.join(store, "n1", lease: .seconds(60))
            let refusal = try #require(throws: ClusterRefusal.self) {
                try store.commit(Self.batch(earlier, leases, position: 1, clock: F.nine))
            }
            #expect(refusal == .superseded(node: "n1", incarnation: 2))
            #expect(try await Self.nothingWritten(database))
        }
    }

    @Test func aCommitWaitingForATakeoverOnTheLeaseRowIsFencedOutWhenItCommitsAndLandsWhenItRollsBack() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let one = try C.join(store, "n1", lease: .seconds(60))
            let leases = try [3, 9].map { try #require(try store.acquire($0, for: one)) }
            let takeover = try await TestSession.open(database)

            try await takeover.run("BEGIN")
            try await takeover.run("UPDATE partition_lease SET owner = 'n2', owner_incarnation = 1, epoch = epoch + 1 WHERE partition = 9")
            let fenced = store.startCommit(Self.batch(one, leases, position: 42, clock: F.nine), after: nil)
            try await C.untilWaitingForLocks(database, 1)
            try await takeover.run("COMMIT")
            let refused = try #require(throws: FencedOut.self) { try fenced.wait() }
            #expect(refused.partitions == [9])
            #expect(try await Self.nothingWritten(database))

            try await takeover.run("BEGIN")
            try await takeover.run("UPDATE partition_lease SET owner = 'n2', owner_incarnation = 1, epoch = epoch + 1 WHERE partition = 3")
            let landing = store.startCommit(Self.batch(one, [leases[0]], position: 44, clock: F.nine), after: nil)
            try await C.untilWaitingForLocks(database, 1)
            try await takeover.run("ROLLBACK")
            #expect(try landing.wait().notStaged.isEmpty)
            #expect(try await database.column("SELECT count(*)::text FROM task") == ["2"])
            #expect(try await database.column("SELECT owner || ' ' || epoch || ' ' || applied_pos FROM partition_lease WHERE partition = 3")
                == ["n1 1 44"])
            await takeover.close()
        }
    }

    @Test func aTakeoverWaitingForACommitOnTheLeaseRowSeesWhatItWrote() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let one = try C.join(store, "n1", lease: .seconds(1))
            let two = try C.join(store, "n2", lease: .seconds(60))
            let lease = try #require(try store.acquire(3, for: one))
            // The commit stops right after it wrote the lease row, while the test holds lock 4242.
            let session = try await TestSession.open(database)
            try await session.run("""
                CREATE FUNCTION hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NEW; END $$
                """)
            try await session.run("""
                CREATE TRIGGER hold AFTER UPDATE OF applied_pos ON partition_lease FOR EACH ROW EXECUTE FUNCTION hold_commit()
                """)
            try await session.run("SELECT pg_advisory_lock(4242)")
            try await C.untilExpired(store, partition: 3)

            let commit = store.startCommit(Self.batch(one, [lease], position: 33, clock: F.nine), after: nil)
            try await C.untilWaitingForLocks(database, 1)
            let takeover = Background { try store.acquire(3, for: two) }
            try await C.untilWaitingForLocks(database, 2)
            try await session.run("SELECT pg_advisory_unlock(4242)")
            #expect(try commit.wait().notStaged.isEmpty)
            let taken = try #require(try takeover.value())
            #expect(taken.owner == "n2" && taken.epoch == 2)
            #expect(taken.appliedPosition == 33 && taken.clock == F.nine, "the new owner starts after the commit")
            await session.close()
        }
    }

    @Test func aHeartbeatRenewsTheLeasesWhileACommitIsStuckInItsTransaction() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let one = try C.join(store, "n1", lease: .seconds(60))
            let leases = try [3, 9].map { try #require(try store.acquire($0, for: one)) }
            // The commit stops after its task rows, inside its transaction, on the writer.
            let session = try await TestSession.open(database)
            try await session.run("""
                CREATE FUNCTION hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_advisory_xact_lock_shared(4243); RETURN NULL; END $$
                """)
            try await session.run("CREATE TRIGGER hold AFTER INSERT ON task FOR EACH STATEMENT EXECUTE FUNCTION hold_commit()")
            try await session.run("SELECT pg_advisory_lock(4243)")
            let commit = store.startCommit(Self.batch(one, leases, position: 42, clock: F.nine), after: nil)
            try await C.untilWaitingForLocks(database, 1)

            let beat = Background { try store.heartbeat(one, drained: false, position: 41, nextDeadline: nil, fingerprint: "rules-1") }
            let view = try beat.value()
            #expect(view.leases[3].expiresAt == view.serverTime + .seconds(60), "renewed while the commit runs")
            #expect(view.nodes[0].position == 41)
            #expect(try store.view().leases[9].owner == "n1")
            #expect(try await database.column("SELECT count(*)::text FROM task") == ["0"], "the commit is still in flight")

            try await session.run("SELECT pg_advisory_unlock(4243)")
            #expect(try commit.wait().notStaged.isEmpty)
            #expect(try await database.column("SELECT commit_seq || ' ' || position FROM node") == ["1 41"])
            await session.close()
        }
    }

    @Test func aFencedCommitCutAfterItsCOMMITReachedTheServerIsDurableOnce() async throws {
        try await F.withDatabase { database in
            let proxy = try CuttingProxy(upstreamPort: database.server.port)
            defer { proxy.stop() }
            let store = try database.store(
                throughPort: proxy.port, options: PostgresInDoubtCommitTests.options(PostgresInDoubtCommitTests.Warnings()))
            defer { store.close() }
            try store.migrate()
            let one = try C.join(store, "n1", lease: .seconds(60))
            let lease = try #require(try store.acquire(0, for: one))
            func fenced(_ n: Int) -> Commit {
                var commit = PostgresInDoubtCommitTests.batch(n)
                commit.fence = CommitFence(node: "n1", incarnation: one.incarnation,
                    leases: [PartitionEpoch(partition: 0, epoch: lease.epoch)], position: Int64(n), clock: F.nine)
                return commit
            }
            try store.commit(fenced(1))

            proxy.arm(.afterCommitReached)
            #expect(try store.commit(fenced(2)).notStaged.isEmpty, "its tasks were inserted by this commit, once")
            #expect(proxy.cuts == 1)
            #expect(try await database.column("SELECT commit_seq::text FROM node") == ["2"])
            #expect(try await database.column("SELECT id || ' ' || staged_by FROM task ORDER BY id")
                == ["t-1a n1", "t-1b n1", "t-2a n1", "t-2b n1"])
            #expect(try await database.column("SELECT text FROM task_explanation") == ["more 1\nmore 2\n"])
            #expect(try await database.column("SELECT count(*)::text FROM file_reject") == ["2"])

            proxy.arm(.beforeCommit)
            #expect(try store.commit(fenced(3)).notStaged.isEmpty)
            #expect(proxy.cuts == 2)
            #expect(try await database.column("SELECT commit_seq::text FROM node") == ["3"])
            #expect(try await database.column("SELECT text FROM task_explanation") == ["more 1\nmore 2\nmore 3\n"])
            #expect(try await database.column("SELECT applied_pos::text FROM partition_lease WHERE partition = 0") == ["3"])
            #expect(try await database.column("SELECT commit_seq::text FROM engine_meta") == ["0"])
        }
    }
}
