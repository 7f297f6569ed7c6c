import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Testing

/// What a node of several reads of the shared tables (decision 0018 §2, §5): the engine state
/// of its partitions only, and an outbox limited to their tasks and to the files it staged.
@Suite(.postgres, .blocksAThread) struct PostgresPartitionScopeTests {
    typealias F = PostgresFixtures
    typealias C = PostgresClusterFixtures

    /// A subject in each of 4 partitions.
    static let subjects = (0..<4).map { C.subject(in: $0, of: 4, "p") }

    @Test func aPartitionSnapshotHasItsTimersAndDeferredTasksAndEveryKey() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            var changes = StateChanges(clock: F.nine)
            changes.contexts = Self.subjects.map(F.context)
            for subject in Self.subjects {
                changes.timers[TimerOwner(rule: "dormant", subject: subject)] = [
                    TimerEntry(at: F.nine + .hours(2), ruleOrder: 0, rule: "dormant", subject: subject, key: "k"),
                ]
            }
            changes.seenEvents = [SeenEvent(source: "cards", id: "e1", time: F.nine)]
            changes.dedupKeys = ["r|a": F.nine, "r|b": F.nine + .minutes(1)]
            changes.limitKeys = ["cap|a": [F.nine]]
            var tasks = Self.subjects.enumerated().map { TaskChange.created(F.task("d\($0.offset)", subject: $0.element,
                notBefore: F.nine + .hours(3))) }
            tasks.append(.created(F.task("d1-early", subject: Self.subjects[1], notBefore: F.nine + .minutes(30))))
            tasks.append(.created(F.task("now1", subject: Self.subjects[1])))
            try store.commit(Commit(changes: changes, tasks: tasks))

            let clock = F.nine + .hours(1)
            let snapshot = try store.snapshot(partitions: [1, 3], count: 4, clock: clock)
            #expect(snapshot.clock == clock)
            #expect(snapshot.timers.map(\.subject).sorted() == [Self.subjects[1], Self.subjects[3]].sorted())
            #expect(snapshot.deferredTasks.map(\.id).sorted() == ["d1", "d3"],
                "of its partitions, deferred and not yet due at the clock")
            #expect(snapshot.dedupKeys == ["r|a": F.nine, "r|b": F.nine + .minutes(1)])
            #expect(snapshot.limitKeys == ["cap|a": [F.nine]])
            #expect(snapshot.seenEvents.isEmpty && snapshot.contexts.isEmpty)

            let none = try store.snapshot(partitions: [], count: 4, clock: nil)
            #expect(none.timers.isEmpty && none.deferredTasks.isEmpty && none.clock == nil)
            #expect(none.dedupKeys.count == 2)
            let whole = try store.snapshot(partitions: [0, 1, 2, 3], count: 4, clock: F.nine)
            #expect(whole.timers.count == 4)
            #expect(whole.deferredTasks.map(\.id).sorted() == ["d0", "d1", "d1-early", "d2", "d3"])
        }
    }

    @Test func anOutboxScopeLimitsTheLedgerToThePartitionsAndStagedTasksToTheNode() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let s = Self.subjects
            try store.commit(Commit(changes: StateChanges(clock: F.nine), tasks: [
                .created(F.task("p0", subject: s[0])), .created(F.task("p1", subject: s[1])),
                .created(F.task("p2", subject: s[2])), .created(F.task("p3", subject: s[3])),
                .created(F.task("f1", subject: s[1], notBefore: F.nine + .hours(2))),
                .created(F.task("f3", subject: s[3], notBefore: F.nine + .minutes(10))),
                .created(F.task("x0", subject: s[0], notBefore: F.nine + .hours(1), expiresAt: F.nine + .minutes(30))),
                .created(F.task("x2", subject: s[2], notBefore: F.nine + .hours(1), expiresAt: F.nine + .minutes(30))),
            ]))
            // Staged by two nodes, each under its leases.
            let one = try C.join(store, "n1", partitions: 4, lease: .seconds(60))
            let two = try C.join(store, "n2", partitions: 4, lease: .seconds(60))
            for (membership, partitions, ids) in [(one, [0, 1], ["st0", "st1"]), (two, [2], ["st2"])] {
                let leases = try partitions.map { try #require(try store.acquire($0, for: membership)) }
                var commit = Commit(changes: StateChanges(clock: F.nine),
                    tasks: ids.map { .created(F.task($0, subject: s[Int(String($0.last!))!])) })
                commit.outbox = OutboxDelivery(staged: Set(ids), written: [], time: F.nine)
                commit.fence = CommitFence(node: membership.identity.node, incarnation: membership.incarnation,
                    leases: leases.map { PartitionEpoch(partition: $0.partition, epoch: $0.epoch) }, position: 1, clock: F.nine)
                try store.commit(commit)
            }
            let now = F.nine + .minutes(1)
            func ids(_ tasks: [StoredTask]) -> [String] { tasks.map(\.record.id).sorted() }

            store.scopeOutbox(to: OutboxScope(node: "n1", incarnation: 1, partitions: [0, 1], count: 4))
            #expect(ids(try store.dueTasks(at: now, limit: 100)) == ["p0", "p1"])
            #expect(try store.nextDue(after: now) == F.nine + .hours(1), "x0's; f3 (at 09:10) is partition 3's")
            #expect(ids(try store.tasks(in: .staged)) == ["st0", "st1"])
            #expect(ids(try store.tasks(in: .pending)) == ["f1", "p0", "p1", "x0"])

            // Partition 1 given up: its staged file is still this node's to publish.
            store.scopeOutbox(to: OutboxScope(node: "n1", incarnation: 1, partitions: [0], count: 4))
            #expect(ids(try store.tasks(in: .staged)) == ["st0", "st1"])
            #expect(ids(try store.tasks(in: .pending)) == ["p0", "x0"])
            #expect(ids(try store.dueTasks(at: now, limit: 100)) == ["p0"])
            store.scopeOutbox(to: OutboxScope(node: "n2", incarnation: 1, partitions: [2], count: 4))
            #expect(ids(try store.tasks(in: .staged)) == ["st2"])

            store.scopeOutbox(to: nil)
            #expect(ids(try store.dueTasks(at: now, limit: 100)) == ["p0", "p1", "p2", "p3"])
            #expect(try store.nextDue(after: now) == F.nine + .minutes(10))
            #expect(ids(try store.tasks(in: .staged)) == ["st0", "st1", "st2"])

            let later = F.nine + .hours(2)
            store.scopeOutbox(to: OutboxScope(node: "n1", incarnation: 1, partitions: [0, 1], count: 4))
            #expect(try store.expireTasks(at: later) == 1, "x0, not x2")
            #expect(try store.queueDueTasks(assigneePrefixes: [""], at: later) == 3, "p0, p1, f1")
            store.scopeOutbox(to: nil)
            #expect(try store.expireTasks(at: later) == 1, "x2")
            #expect(try store.queueDueTasks(assigneePrefixes: [""], at: later) == 3, "p2, p3, f3")
            #expect(try await database.column("SELECT id || ' ' || delivery FROM task ORDER BY id") == [
                "f1 queued", "f3 queued", "p0 queued", "p1 queued", "p2 queued", "p3 queued", "st0 staged", "st1 staged",
                "st2 staged", "x0 expired", "x2 expired",
            ])
        }
    }

    /// A due task is marked `staged` only while this incarnation holds its partition: after
    /// partition 1 moved to n2, n1 (paused past its lease, say) gets FencedOut for p1, and p1
    /// stays pending for its new owner; n1 still marks p0, which it holds.
    @Test func aStagedMarkIsFencedByTheLease() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let s = Self.subjects
            try store.commit(Commit(changes: StateChanges(clock: F.nine), tasks: [
                .created(F.task("p0", subject: s[0])), .created(F.task("p1", subject: s[1])),
            ]))
            let one = try C.join(store, "n1", partitions: 4, lease: .seconds(60))
            let two = try C.join(store, "n2", partitions: 4, lease: .seconds(60))
            _ = try #require(try store.acquire(0, for: one))
            let lease = try #require(try store.acquire(1, for: one))
            try store.release(1, epoch: lease.epoch, for: one)
            _ = try #require(try store.acquire(1, for: two))

            store.scopeOutbox(to: OutboxScope(node: "n1", incarnation: one.incarnation, partitions: [0, 1], count: 4))
            #expect(throws: FencedOut(partitions: [1])) {
                try store.markTasks(["p0", "p1"], as: .staged, at: F.nine)
            }
            #expect(try await database.column("SELECT id || ' ' || delivery || ' ' || coalesce(staged_by, '-') FROM task ORDER BY id")
                == ["p0 staged n1", "p1 pending -"])

            store.scopeOutbox(to: OutboxScope(node: "n2", incarnation: two.incarnation, partitions: [1], count: 4))
            try store.markTasks(["p1"], as: .staged, at: F.nine)
            #expect(try await database.column("SELECT id || ' ' || delivery || ' ' || coalesce(staged_by, '-') FROM task ORDER BY id")
                == ["p0 staged n1", "p1 staged n2"])
        }
    }
}
