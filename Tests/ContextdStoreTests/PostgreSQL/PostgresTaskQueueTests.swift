import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Testing

/// The HTTP work queue in PostgreSQL: leases under concurrency (no task held twice), and ack,
/// release and requeue with SQLite's refusals.
@Suite(.postgres, .blocksAThread) struct PostgresTaskQueueTests {
    typealias F = PostgresFixtures
    static let terms = LeaseTerms(duration: .seconds(300), maxAttempts: 2)

    @Test func manyConcurrentPollersNeverHoldTheSameTask() async throws {
        try await F.withDatabase { database in
            var options = PostgresStore.Options()
            options.maximumConnections = 6
            let store = try database.store(options: options)
            defer { store.close() }
            let tasks = (0..<40).map { F.task("t-\($0)", priority: Double($0 % 4)) }
            try store.commit(Commit(changes: StateChanges(clock: F.nine), tasks: tasks.map(TaskChange.created)))
            #expect(try store.queueDueTasks(assigneePrefixes: ["queue:"], at: F.nine) == 40)
            let leased = try await withThrowingTaskGroup(of: [LeasedTask].self) { group in
                for poller in 0..<24 {
                    group.addTask {
                        try await store.lease(assigneePrefixes: ["queue:"], limit: 3, holder: "p\(poller)",
                            terms: Self.terms, at: F.nine)
                    }
                }
                var all: [LeasedTask] = []
                for try await batch in group { all += batch }
                return all
            }
            #expect(leased.count == 40, "24 pollers of 3 take every one of the 40 tasks")
            #expect(Set(leased.map(\.record.id)).count == 40, "no task twice")
            #expect(Set(leased.map(\.leaseID)).count == 40)
            #expect(try await store.lease(assigneePrefixes: [""], limit: 5, holder: "late", terms: Self.terms, at: F.nine)
                .isEmpty)
            #expect(try await store.nextLeaseEnd() == F.nine + .seconds(300))
        }
    }

    @Test func aLeaseTakesTheHighestPriorityThenOldestWithinScope() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            try store.commit(Commit(changes: StateChanges(clock: F.nine), tasks: [
                .created(F.task("t-low", priority: 1)), .created(F.task("t-high", priority: 9)),
                .created(F.task("t-old", priority: 9, createdAt: F.nine - .minutes(1))),
                .created(F.task("t-other", assignee: "crm:sales", priority: 99)),
            ]))
            #expect(try store.queueDueTasks(assigneePrefixes: [], at: F.nine) == 0, "no prefixes queue nothing")
            #expect(try store.queueDueTasks(assigneePrefixes: ["queue:"], at: F.nine) == 3)
            let leased = try await store.lease(
                assigneePrefixes: ["queue:"], limit: 2, holder: "crm", terms: Self.terms, at: F.nine)
            #expect(leased.map(\.record.id) == ["t-old", "t-high"])
            #expect(leased.map(\.attempt) == [1, 1])
            #expect(leased.map(\.until) == [F.nine + .seconds(300), F.nine + .seconds(300)])
        }
    }

    @Test func ackReleaseAndRequeueRefuseAsSQLiteDoes() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            try store.commit(Commit(changes: StateChanges(clock: F.nine), tasks: [
                .created(F.task("t-1")), .created(F.task("t-2")), .created(F.task("t-3")),
                .created(F.task("t-4", expiresAt: F.nine + .minutes(1))),
            ]))
            _ = try store.queueDueTasks(assigneePrefixes: [""], at: F.nine)
            let leased = try await store.lease(assigneePrefixes: [""], limit: 3, holder: "h", terms: Self.terms, at: F.nine)
            let lease = Dictionary(uniqueKeysWithValues: leased.map { ($0.record.id, $0.leaseID) })
            let scope = ["queue:"]

            #expect(try await store.ack(taskID: "nope", leaseID: nil, outcome: .done, note: nil, scope: scope, at: F.nine)
                .failure == .unknownTask)
            #expect(try await store.ack(taskID: "t-1", leaseID: nil, outcome: .done, note: nil, scope: ["crm:"], at: F.nine)
                .failure == .outOfScope(assignee: "queue:fraud"))
            #expect(try await store.ack(taskID: "t-1", leaseID: "l-wrong", outcome: .done, note: nil, scope: scope, at: F.nine)
                .failure == .leaseMismatch)
            let acked = try await store.ack(
                taskID: "t-1", leaseID: lease["t-1"], outcome: .rejected, note: "no", scope: scope, at: F.nine + .seconds(5)
            ).get()
            #expect(acked.delivery == .acked && acked.outcome == "rejected" && acked.note == "no" && acked.attempts == 1)
            #expect(try await store.ack(taskID: "t-1", leaseID: nil, outcome: .done, note: nil, scope: scope, at: F.nine)
                .failure == .alreadyAcked(outcome: "rejected"))
            let outcomes = try store.pendingOutcomes(limit: 10)
            #expect(outcomes.map(\.task) == ["t-1"] && outcomes.map(\.outcome) == ["rejected"])
            #expect(outcomes.first?.note == "no" && outcomes.first?.time == F.nine + .seconds(5))
            #expect(outcomes.first?.subject == "s-t-1" && outcomes.first?.assignee == "queue:fraud")
            // The engine applied it: a commit removes it.
            try store.commit(Commit(changes: StateChanges(clock: nil), appliedOutcomes: outcomes.map(\.seq)))
            #expect(try store.pendingOutcomes(limit: 10).isEmpty)

            // An ack after the lease ran out.
            #expect(try await store.ack(taskID: "t-2", leaseID: nil, outcome: .done, note: nil, scope: scope,
                at: F.nine + .seconds(300)).failure == .leaseExpired)
            // Released: queued again at once; a second release refers to a lease that ended.
            #expect(try await store.release(taskID: "t-3", leaseID: lease["t-3"], scope: scope, terms: Self.terms,
                at: F.nine).get().delivery == .queued)
            #expect(try await store.release(taskID: "t-3", leaseID: nil, scope: scope, terms: Self.terms, at: F.nine)
                .failure == .leaseExpired)
            // Pending (never queued): the wrong state.
            try store.commit(Commit(changes: StateChanges(clock: nil), tasks: [.created(F.task("t-5",
                notBefore: F.nine + .hours(1)))]))
            #expect(try await store.release(taskID: "t-5", leaseID: nil, scope: scope, terms: Self.terms, at: F.nine)
                .failure == .wrongState(.pending))
            #expect(try await store.requeue(taskID: "t-5", scope: scope).failure == .wrongState(.pending))

            // Leased a second time and let run out: dead after max_attempts (2); listed, requeued.
            let later = F.nine + .seconds(301)
            let again = try await store.lease(assigneePrefixes: [""], limit: 5, holder: "h", terms: Self.terms, at: later)
            #expect(Set(again.map(\.record.id)) == ["t-2", "t-3"], "t-4 expired while queued")
            #expect(again.map(\.attempt) == [2, 2])
            let dead = try await store.deadLetters(assigneePrefixes: [""], limit: 10, terms: Self.terms,
                at: later + .seconds(300))
            #expect(Set(dead.map(\.record.id)) == ["t-2", "t-3"] && dead.allSatisfy { $0.delivery == .dead })
            #expect(try await store.requeue(taskID: "t-2", scope: ["crm:"]).failure == .outOfScope(assignee: "queue:fraud"))
            let requeued = try await store.requeue(taskID: "t-2", scope: scope).get()
            #expect(requeued.delivery == .queued && requeued.attempts == 0)
            #expect(try await store.requeue(taskID: "nope", scope: scope).failure == .unknownTask)
            #expect(try store.syncTaskCounts() == [.acked: 1, .queued: 1, .dead: 1, .expired: 1, .pending: 1])
        }
    }
}

extension Result where Failure == LeaseRefusal {
    /// The refusal, nil on success.
    var failure: LeaseRefusal? {
        if case .failure(let refusal) = self { return refusal }
        return nil
    }
}
