import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Dispatch
import Testing

/// The cluster's membership in PostgreSQL (decision 0018 §2): joining (the partition count
/// kept, the same node restarted, another process under a live id refused), heartbeats that
/// renew leases on the server's clock, and leases taken, released, raced for and taken over.
@Suite(.postgres, .blocksAThread) struct PostgresClusterMembershipTests {
    typealias F = PostgresFixtures
    typealias C = PostgresClusterFixtures

    @Test func theFirstJoinCreatesTheClusterAndAnotherCountIsRefused() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let first = try C.join(store, "n1")
            #expect(first == Membership(
                identity: NodeIdentity(node: "n1", instance: "i-n1"), incarnation: 1, partitions: 64, lease: .seconds(1)))
            #expect(try await database.column("SELECT partitions::text FROM cluster") == ["64"])
            #expect(try await database.column("""
                SELECT count(*) || ' ' || min(partition) || ' ' || max(partition) || ' ' || count(owner) || ' ' || sum(epoch)
                FROM partition_lease
                """) == ["64 0 63 0 0"])
            let view = try store.view()
            #expect(view.partitions == 64)
            #expect(view.leases.map(\.partition) == Array(0..<64))
            #expect(view.leases.allSatisfy { $0.owner == nil && $0.epoch == 0 && $0.expiresAt == nil && $0.isExpired })
            #expect(view.nodes.map(\.id) == ["n1"])
            #expect(view.nodes[0].isLive && view.nodes[0].incarnation == 1 && view.nodes[0].fingerprint == "rules-1")
            #expect(view.nodes[0].heartbeatAt == view.nodes[0].startedAt)
            #expect(view.head == 0)

            let refusal = try #require(throws: ClusterRefusal.self) { try C.join(store, "n2", partitions: 32) }
            #expect(refusal == .partitionCount(stored: 64, configured: 32))
            #expect(refusal.description == """
                the cluster was created with 64 partitions and 'cluster.partitions' says 32; the count cannot change on a \
                live store (docs/operations.md, "Changing the partition count"): set it back to 64
                """)
            #expect(try await database.column("SELECT id FROM node") == ["n1"], "the refused join registered nothing")
            #expect(try await database.column("SELECT count(*)::text FROM partition_lease") == ["64"])
            // A second join with the count, from another store, adds no lease row.
            let other = try database.store()
            defer { other.close() }
            #expect(try C.join(other, "n2").incarnation == 1)
            #expect(try await database.column("SELECT count(*)::text FROM partition_lease") == ["64"])
        }
    }

    @Test func theSameInstanceRejoinsWithTheNextIncarnationAndTheEarlierOneIsSuperseded() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let first = try C.join(store, "n1", lease: .seconds(60))
            let again = try C.join(store, "n1", lease: .seconds(60))
            #expect(again.incarnation == 2, "the same instance restarted: its earlier process is gone, however live it looks")
            #expect(try store.view().nodes.map(\.incarnation) == [2])

            let refusal = try #require(throws: ClusterRefusal.self) {
                try store.heartbeat(first, drained: true, position: 5, nextDeadline: nil, fingerprint: "rules-1")
            }
            #expect(refusal == .superseded(node: "n1", incarnation: 2))
            #expect(refusal.description == "node 'n1' joined again (incarnation 2) while this process ran; this process stops")
            #expect(try store.view().nodes[0].position == 0, "the refused heartbeat wrote nothing")
            #expect(try store.acquire(3, for: first) == nil, "a superseded membership takes nothing")
            #expect(try store.heartbeat(again, drained: true, position: 5, nextDeadline: nil, fingerprint: "rules-1").nodes[0].position == 5)
        }
    }

    @Test func anotherInstanceIsRefusedWhileTheNodeLivesAndTakesItOverAfterItsLease() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let running = try C.join(store, "n1", instance: "a", lease: .seconds(1))
            _ = try store.acquire(7, for: running)

            let refusal = try #require(throws: ClusterRefusal.self) { try C.join(store, "n1", instance: "b") }
            guard case .nodeRunning(let node, let instance, let ago) = refusal else {
                Issue.record("refused for another reason: \(refusal)")
                return
            }
            #expect(node == "n1" && instance == "a")
            #expect(ago >= TimeSpan(milliseconds: 0) && ago < .seconds(1), "measured by the server: \(ago)")
            #expect(refusal.description == """
                node 'n1' is running elsewhere (instance a, last heartbeat \(ago) ago); give this node another \
                'cluster.node', or stop the other one
                """)

            try await C.waitUntil(store, "n1's heartbeat to run out") { !$0.nodes[0].isLive }
            let taken = try C.join(store, "n1", instance: "b")
            #expect(taken.incarnation == 2)
            let view = try store.view()
            #expect(view.nodes.map(\.instance) == ["b"])
            #expect(view.nodes[0].isLive)
            // The earlier process's lease is the new incarnation's at once.
            let lease = try #require(try store.acquire(7, for: taken))
            #expect(lease.epoch == 2 && lease.ownerIncarnation == 2)
        }
    }

    @Test func aNodeThatLeftIsTakenOverAtOnceAndItsLeasesAreFree() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let gone = try C.join(store, "n1", instance: "a", lease: .seconds(60))
            for partition in [1, 2] { _ = try store.acquire(partition, for: gone) }
            try store.leave(gone)
            let view = try store.view()
            #expect(view.leases[1].owner == nil && view.leases[2].owner == nil && view.leases[1].epoch == 1)
            #expect(view.nodes[0].isLive == false)
            #expect(try store.acquire(1, for: gone) == nil, "a membership that left takes nothing")
            #expect(try C.join(store, "n1", instance: "b").incarnation == 2)
        }
    }

    @Test func aHeartbeatRenewsTheNodesLeasesByTheServersClock() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let one = try C.join(store, "n1", lease: .seconds(2))
            let two = try C.join(store, "n2", lease: .seconds(2))
            let taken = try #require(try store.acquire(4, for: one))
            _ = try store.acquire(9, for: one)
            let theirs = try #require(try store.acquire(5, for: two))
            #expect(taken.expiresAt != nil && taken.isExpired == false)
            // Some server time passes.
            try await C.waitUntil(store, "the server's clock to move") { $0.serverTime > taken.expiresAt! - .seconds(1) }

            let deadline = Timestamp(milliseconds: 1_000_000)
            let view = try store.heartbeat(one, drained: true, position: 12, nextDeadline: deadline, fingerprint: "rules-1")
            #expect(view.leases[4].expiresAt == view.serverTime + .seconds(2), "now() + the lease, both the server's")
            #expect(view.leases[9].expiresAt == view.serverTime + .seconds(2))
            #expect(view.leases[4].expiresAt! > taken.expiresAt!)
            #expect(view.leases[4].epoch == 1, "a renewal is no takeover")
            #expect(view.leases[5].expiresAt == theirs.expiresAt, "another node's lease is not renewed")
            #expect(view.leases[0].expiresAt == nil)
            let node = try #require(view.nodes.first { $0.id == "n1" })
            #expect(node.heartbeatAt == view.serverTime)
            #expect(node.drained && node.position == 12 && node.nextDeadline == deadline)
            #expect(node.isLive)
        }
    }

    @Test func leasesAreTakenReleasedAndTakenAgainWithTheNextEpoch() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let one = try C.join(store, "n1", lease: .seconds(60))
            let two = try C.join(store, "n2", lease: .seconds(60))
            let taken = try #require(try store.acquire(5, for: one))
            #expect(taken.partition == 5 && taken.owner == "n1" && taken.ownerIncarnation == 1 && taken.epoch == 1)
            #expect(taken.appliedPosition == 0 && taken.clock == nil && !taken.isExpired)
            #expect(try store.acquire(5, for: one)?.epoch == 1, "taken again by its holder: renewed at the same epoch")
            #expect(try store.acquire(5, for: two) == nil, "held by n1")
            #expect(try store.acquire(64, for: two) == nil, "no such partition")

            try store.release(5, epoch: 0, for: one)
            #expect(try store.view().leases[5].owner == "n1", "released at another epoch: still held")
            try store.release(5, epoch: 1, for: two)
            #expect(try store.view().leases[5].owner == "n1", "released by another node: still held")
            try store.release(5, epoch: 1, for: one)
            let released = try store.view().leases[5]
            #expect(released.owner == nil && released.ownerIncarnation == nil && released.expiresAt == nil)
            #expect(released.epoch == 1 && released.isExpired)

            let next = try #require(try store.acquire(5, for: two))
            #expect(next.owner == "n2" && next.epoch == 2)
        }
    }

    @Test func twoNodesRacingForEveryPartitionGetEachOneOnce() async throws {
        try await F.withDatabase { database in
            let first = try database.store(), second = try database.store()
            defer { first.close(); second.close() }
            let one = try C.join(first, "n1", lease: .seconds(60))
            let two = try C.join(second, "n2", lease: .seconds(60))
            let start = DispatchSemaphore(value: 0)
            // One goes up, the other down: they meet in the middle, each partition tried by both.
            let up = Background { () throws -> [Int] in
                start.wait()
                return try (0..<64).filter { try first.acquire($0, for: one) != nil }
            }
            let down = Background { () throws -> [Int] in
                start.wait()
                return try (0..<64).reversed().filter { try second.acquire($0, for: two) != nil }
            }
            start.signal()
            start.signal()
            let ones = Set(try up.value()), twos = Set(try down.value())
            #expect(ones.isDisjoint(with: twos))
            #expect(ones.union(twos) == Set(0..<64))
            #expect(!ones.isEmpty && !twos.isEmpty, "both got some: \(ones.count) and \(twos.count)")
            let view = try first.view()
            #expect(view.leases.allSatisfy { $0.epoch == 1 })
            #expect(Set(view.leases.filter { $0.owner == "n1" }.map(\.partition)) == ones)
            #expect(Set(view.leases.filter { $0.owner == "n2" }.map(\.partition)) == twos)
        }
    }

    @Test func anExpiredLeaseIsTakenOverWithTheNextEpochAndItsPosition() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let one = try C.join(store, "n1", lease: .seconds(1))
            let two = try C.join(store, "n2", lease: .seconds(60))
            let held = try #require(try store.acquire(3, for: one))
            var commit = Commit(changes: StateChanges(clock: F.nine))
            commit.fence = CommitFence(
                node: "n1", incarnation: 1, leases: [PartitionEpoch(partition: 3, epoch: held.epoch)], position: 17,
                clock: F.nine)
            try store.commit(commit)
            #expect(try store.acquire(3, for: two) == nil, "still n1's")

            try await C.untilExpired(store, partition: 3)
            let taken = try #require(try store.acquire(3, for: two))
            #expect(taken.owner == "n2" && taken.epoch == 2)
            #expect(taken.appliedPosition == 17 && taken.clock == F.nine, "where n1's last commit left it")
            #expect(try store.acquire(3, for: one) == nil, "n2's now")
        }
    }

    @Test func anEarlierIncarnationsLeaseIsTakenAtOnceByTheNext() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let earlier = try C.join(store, "n1", lease: .seconds(60))
            #expect(try store.acquire(2, for: earlier)?.epoch == 1)
            let later = try C.join(store, "n1", lease: .seconds(60))
            let taken = try #require(try store.acquire(2, for: later), "without waiting for the 60 s lease")
            #expect(taken.owner == "n1" && taken.ownerIncarnation == 2 && taken.epoch == 2)
            #expect(try store.acquire(2, for: earlier) == nil)
        }
    }
}
