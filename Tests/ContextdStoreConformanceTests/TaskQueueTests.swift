import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Testing

/// The HTTP work queue (SPEC §3) through ``TaskQueue``: which tasks are queued, lease order and
/// limit, leases that run out, dead letters and requeues, acks and releases with every refusal,
/// and outcomes from pending to applied.
@Suite(.blocksAThread) struct TaskQueueTests {
    static let nine = SampleRows.nine
    static let terms = LeaseTerms(duration: .seconds(300), maxAttempts: 2)

    /// Commits `tasks` at nine and queues those under `queue:`.
    static func queue(_ tasks: [TaskRecord], in store: any DaemonStore) throws -> Int {
        try store.commit(Commit(changes: StateChanges(clock: nine), tasks: tasks.map(TaskChange.created)))
        return try store.queueDueTasks(assigneePrefixes: ["queue:"], at: nine)
    }

    @Test(arguments: StoreBackend.all)
    func dueTasksAreQueuedByAssigneePrefix(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let t = Self.nine
            try db.commit(Commit(changes: StateChanges(clock: t), tasks: [
                SampleRows.task("t-fraud", assignee: "queue:fraud"), SampleRows.task("t-leads", assignee: "queue:leads"),
                SampleRows.task("t-user", assignee: "user-7"),
                SampleRows.task("t-later", assignee: "queue:fraud", notBefore: t + .hours(1)),
                SampleRows.task("t-gone", assignee: "queue:fraud", expiresAt: t),
            ].map(TaskChange.created)))
            #expect(try db.queueDueTasks(assigneePrefixes: [], at: t) == 0, "no prefixes queue nothing")
            #expect(try db.queueDueTasks(assigneePrefixes: ["queue:fraud"], at: t) == 1)
            #expect(try db.queueDueTasks(assigneePrefixes: ["queue:"], at: t) == 1, "t-leads; t-fraud is queued already")
            #expect(try db.queueDueTasks(assigneePrefixes: ["queue:"], at: t) == 0)
            #expect(try db.tasks(in: .queued).map(\.record.id) == ["t-fraud", "t-leads"])
            #expect(try db.tasks(in: .pending).map(\.record.id) == ["t-gone", "t-later", "t-user"],
                "not due, expired before due, or for the file outbox")
            #expect(try await db.browsedTask(id: "t-fraud", scope: [""])?.deliveredAt == t)
            #expect(try db.dueTasks(at: t, limit: 10).map(\.record.id) == ["t-user"], "the outbox no longer sees them")
            #expect(try db.queueDueTasks(assigneePrefixes: ["queue:"], at: t + .hours(1)) == 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func leasesGoByPriorityThenAgeUpToTheLimitAndOnlyUnderThePrefixes(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let t = Self.nine
            let tasks = [
                SampleRows.task("t-low", priority: 10), SampleRows.task("t-high", priority: 90, createdAt: t - .seconds(1)),
                SampleRows.task("t-old", priority: 50, createdAt: t - .minutes(5)), SampleRows.task("t-new", priority: 50),
                SampleRows.task("t-leads", assignee: "queue:leads", priority: 99),
            ]
            #expect(try Self.queue(tasks, in: db) == 5)
            let first = try await db.lease(
                assigneePrefixes: ["queue:fraud"], limit: 2, holder: "crm-1", terms: Self.terms, at: t)
            #expect(first.map(\.record) == [tasks[1], tasks[2]])
            #expect(first.map(\.attempt) == [1, 1])
            #expect(first.map(\.until) == [t + .seconds(300), t + .seconds(300)])
            #expect(Set(first.map(\.leaseID)).count == 2)
            let second = try await db.lease(
                assigneePrefixes: ["queue:fraud"], limit: 10, holder: "crm-2", terms: Self.terms, at: t + .seconds(1))
            #expect(second.map(\.record.id) == ["t-new", "t-low"], "a leased task is invisible to other pollers")
            #expect(try await db.lease(assigneePrefixes: ["queue:fraud"], limit: 10, holder: "crm-3", terms: Self.terms,
                at: t + .seconds(2)).isEmpty)
            #expect(try await db.lease(assigneePrefixes: [], limit: 10, holder: "crm-3", terms: Self.terms, at: t).isEmpty)
            let high = try #require(try await db.browsedTask(id: "t-high", scope: [""]))
            #expect(high.stateText == "leased" && high.leaseHolder == "crm-1" && high.leaseUntil == t + .seconds(300))
            #expect(high.attempts == 1)
            #expect(try await db.nextLeaseEnd() == t + .seconds(300))
        }
    }

    /// A lease that runs out frees the task for the next poller; after ``LeaseTerms/maxAttempts``
    /// leases it is dead until an operator requeues it.
    @Test(arguments: StoreBackend.all)
    func leasesRunOutAndTheLastAttemptGoesToTheDeadLetters(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let t = Self.nine
            #expect(try Self.queue([SampleRows.task("t-a")], in: db) == 1)
            let first = try await db.lease(assigneePrefixes: [""], limit: 5, holder: "h-1", terms: Self.terms, at: t)
            #expect(first.map(\.attempt) == [1])
            #expect(try await db.lease(assigneePrefixes: [""], limit: 5, holder: "h-2", terms: Self.terms,
                at: t + .seconds(299)).isEmpty, "a second before its end the lease holds")
            let second = try await db.lease(
                assigneePrefixes: [""], limit: 5, holder: "h-2", terms: Self.terms, at: t + .seconds(300))
            #expect(second.map(\.attempt) == [2])
            #expect(second.map(\.until) == [t + .seconds(600)])
            // The first holder's lease is over: its ack is refused.
            #expect(try await db.ack(taskID: "t-a", leaseID: first.first?.leaseID, outcome: .done, note: nil, scope: [""],
                at: t + .seconds(301)).read == .failure(.leaseMismatch))
            #expect(try await db.deadLetters(assigneePrefixes: [""], limit: 10, terms: Self.terms, at: t + .seconds(599)).isEmpty)
            let dead = try await db.deadLetters(assigneePrefixes: [""], limit: 10, terms: Self.terms, at: t + .seconds(600))
            #expect(dead.map(TaskStateRead.init) == [TaskStateRead(id: "t-a", delivery: .dead, attempts: 2)])
            #expect(try await db.lease(assigneePrefixes: [""], limit: 5, holder: "h-3", terms: Self.terms,
                at: t + .seconds(601)).isEmpty)
            #expect(try await db.nextLeaseEnd() == nil)
            #expect(try await db.deadLetters(assigneePrefixes: ["queue:leads"], limit: 10, terms: Self.terms,
                at: t + .seconds(600)).isEmpty, "dead letters are listed under their prefixes only")

            #expect(try await db.requeue(taskID: "t-a", scope: ["queue:leads"]).read
                == .failure(.outOfScope(assignee: "queue:fraud")))
            #expect(try await db.requeue(taskID: "t-nope", scope: [""]).read == .failure(.unknownTask))
            #expect(try await db.requeue(taskID: "t-a", scope: [""]).read
                == .success(TaskStateRead(id: "t-a", delivery: .queued, attempts: 0)))
            #expect(try await db.requeue(taskID: "t-a", scope: [""]).read == .failure(.wrongState(.queued)))
            let again = try await db.lease(assigneePrefixes: [""], limit: 5, holder: "h-4", terms: Self.terms,
                at: t + .seconds(700))
            #expect(again.map(\.attempt) == [1], "a requeued task starts its attempts again")
        }
    }

    @Test(arguments: StoreBackend.all)
    func anAckRecordsTheOutcomeAndKeepsItForTheEngineUntilACommitAppliesIt(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let t = Self.nine
            let tasks = [SampleRows.task("t-a"), SampleRows.task("t-b")]
            #expect(try Self.queue(tasks, in: db) == 2)
            let leased = try await db.lease(assigneePrefixes: [""], limit: 5, holder: "h", terms: Self.terms, at: t)
            let lease = Dictionary(uniqueKeysWithValues: leased.map { ($0.record.id, $0.leaseID) })
            #expect(try await db.ack(taskID: "t-a", leaseID: lease["t-a"], outcome: .rejected, note: "not theirs",
                scope: ["queue:"], at: t + .seconds(10)).read
                == .success(TaskStateRead(id: "t-a", delivery: .acked, attempts: 1, outcome: "rejected", note: "not theirs")))
            // Without a lease id: whoever holds the task acks it.
            #expect(try await db.ack(taskID: "t-b", leaseID: nil, outcome: .done, note: nil, scope: [""],
                at: t + .seconds(20)).read
                == .success(TaskStateRead(id: "t-b", delivery: .acked, attempts: 1, outcome: "done")))

            let outcomes = try db.pendingOutcomes(limit: 10).map(PendingOutcomeRead.init)
            #expect(outcomes.map(\.task) == ["t-a", "t-b"])
            #expect(outcomes.map(\.outcome) == ["rejected", "done"])
            #expect(outcomes.map(\.note) == ["not theirs", nil])
            #expect(outcomes.map(\.time) == [t + .seconds(10), t + .seconds(20)])
            #expect(outcomes.map(\.rule) == ["card-fraud", "card-fraud"])
            #expect(outcomes.map(\.subject) == ["cust-t-a", "cust-t-b"])
            #expect(outcomes.map(\.assignee) == ["queue:fraud", "queue:fraud"])
            #expect(outcomes[0].seq < outcomes[1].seq)
            #expect(try db.pendingOutcomes(limit: 1).map(PendingOutcomeRead.init) == [outcomes[0]])

            try db.commit(Commit(changes: StateChanges(clock: t + .minutes(1)), appliedOutcomes: [outcomes[0].seq]))
            #expect(try db.pendingOutcomes(limit: 10).map(PendingOutcomeRead.init) == [outcomes[1]])
            try await store.reopen()
            #expect(try store.store.pendingOutcomes(limit: 10).map(PendingOutcomeRead.init) == [outcomes[1]])
            let acked = try #require(try await store.store.browsedTask(id: "t-a", scope: [""]))
            #expect(acked.stateText == "acked (rejected)" && acked.ackedAt == t + .seconds(10) && acked.leaseUntil == nil)
        }
    }

    /// Every way an ack or a release is refused, each told apart.
    @Test(arguments: StoreBackend.all)
    func acksAndReleasesAreRefusedForEveryReasonApart(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let t = Self.nine
            try db.commit(Commit(changes: StateChanges(clock: t), tasks: [.created(SampleRows.task("t-pending", assignee: "user-7"))]))
            #expect(try Self.queue([SampleRows.task("t-a"), SampleRows.task("t-b"), SampleRows.task("t-q", priority: 1)], in: db) == 3)
            let leased = try await db.lease(assigneePrefixes: [""], limit: 2, holder: "h", terms: Self.terms, at: t)
            #expect(leased.map(\.record.id) == ["t-a", "t-b"])
            let leaseA = leased[0].leaseID

            func ack(_ id: String, lease: String? = nil, scope: [String] = [""], at time: Timestamp = t) async throws -> QueueAnswer {
                try await db.ack(taskID: id, leaseID: lease, outcome: .done, note: nil, scope: scope, at: time).read
            }
            func release(_ id: String, lease: String? = nil, scope: [String] = [""], at time: Timestamp = t) async throws -> QueueAnswer {
                try await db.release(taskID: id, leaseID: lease, scope: scope, terms: Self.terms, at: time).read
            }
            #expect(try await ack("t-nope") == .failure(.unknownTask))
            #expect(try await release("t-nope") == .failure(.unknownTask))
            #expect(try await ack("t-a", scope: ["queue:leads"]) == .failure(.outOfScope(assignee: "queue:fraud")))
            #expect(try await release("t-a", scope: ["user-"]) == .failure(.outOfScope(assignee: "queue:fraud")))
            #expect(try await ack("t-a", lease: "l-someone-else") == .failure(.leaseMismatch))
            #expect(try await release("t-a", lease: "l-someone-else") == .failure(.leaseMismatch))
            #expect(try await ack("t-pending") == .failure(.wrongState(.pending)))
            #expect(try await release("t-pending") == .failure(.wrongState(.pending)))
            #expect(try await ack("t-q") == .failure(.leaseExpired), "queued: not leased (any more)")
            #expect(try await ack("t-b", at: t + .seconds(300)) == .failure(.leaseExpired), "its lease ran out")

            #expect(try await release("t-a", lease: leaseA, at: t + .seconds(5))
                == .success(TaskStateRead(id: "t-a", delivery: .queued, attempts: 1)))
            #expect(try await release("t-a", lease: leaseA, at: t + .seconds(6)) == .failure(.leaseExpired))
            #expect(try await ack("t-a", lease: leaseA, at: t + .seconds(6)) == .failure(.leaseExpired))

            let again = try await db.lease(assigneePrefixes: [""], limit: 1, holder: "h", terms: Self.terms, at: t + .seconds(7))
            #expect(again.map(\.record.id) == ["t-a"] && again.map(\.attempt) == [2])
            #expect(try await ack("t-a", lease: again.first?.leaseID, at: t + .seconds(8))
                == .success(TaskStateRead(id: "t-a", delivery: .acked, attempts: 2, outcome: "done")))
            #expect(try await ack("t-a", lease: again.first?.leaseID, at: t + .seconds(9)) == .failure(.alreadyAcked(outcome: "done")))
            #expect(try await release("t-a", at: t + .seconds(9)) == .failure(.alreadyAcked(outcome: "done")))
            #expect(try await db.requeue(taskID: "t-a", scope: [""]).read == .failure(.wrongState(.acked)))

            // The last attempt released: dead, not queued.
            let last = try await db.lease(assigneePrefixes: [""], limit: 5, holder: "h", terms: Self.terms, at: t + .seconds(400))
            #expect(Set(last.map(\.record.id)) == ["t-b", "t-q"])
            #expect(try await release("t-b", at: t + .seconds(401)) == .success(TaskStateRead(id: "t-b", delivery: .dead, attempts: 2)))
            #expect(try await release("t-q", at: t + .seconds(401)) == .success(TaskStateRead(id: "t-q", delivery: .queued, attempts: 1)))
            #expect(try db.pendingOutcomes(limit: 10).map(\.task) == ["t-a"], "only an ack keeps an outcome")
        }
    }

    /// A queued task whose `expires_at` passes is expired at the next lease, never handed out.
    @Test(arguments: StoreBackend.all)
    func aQueuedTaskPastItsExpiryIsExpiredNotLeased(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let t = Self.nine
            #expect(try Self.queue([SampleRows.task("t-a", expiresAt: t + .minutes(10)), SampleRows.task("t-b")], in: db) == 2)
            let leased = try await db.lease(assigneePrefixes: [""], limit: 5, holder: "h", terms: Self.terms, at: t + .minutes(10))
            #expect(leased.map(\.record.id) == ["t-b"])
            #expect(try db.tasks(in: .expired).map(\.record.id) == ["t-a"])
            #expect(try await db.browsedTask(id: "t-a", scope: [""])?.deliveredAt == t + .minutes(10))
            #expect(try await db.taskTally(at: t).expiredOnArrival == 0, "it expired in the queue, not on arrival")
        }
    }
}
