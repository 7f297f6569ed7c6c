import ContextdEngine
import ContextdEvents
import ContextdStore
import Synchronization
import ContextdTestKit
import Testing

/// Exactly once, whatever interrupts a commit: a barrier that fails leaves nothing of its
/// commit, a batch done again after a crash adds no row twice, and the outbox's marks ride in
/// the commit (decision 0010).
@Suite(.blocksAThread) struct InterruptedCommitTests {
    static let nine = SampleRows.nine

    struct DiskFull: Error, CustomStringConvertible {
        var description: String { "the disk is full" }
    }

    /// A batch that touches every table a commit writes.
    static func batch(clock: Timestamp, outcome: Int64? = nil) -> Commit {
        var changes = StateChanges(clock: clock)
        changes.contexts = [SampleRows.context("cust-1", balance: 10)]
        changes.timers = [TimerOwner(rule: "r", subject: "cust-1"): [
            TimerEntry(at: clock + .hours(1), ruleOrder: 0, rule: "r", subject: "cust-1", key: ""),
        ]]
        changes.seenEvents = [SeenEvent(source: "cards", id: "e-1", time: clock)]
        changes.dedupKeys = ["k": clock]
        changes.limitKeys = ["l": [clock]]
        var commit = Commit(
            changes: changes,
            tasks: [.created(SampleRows.task("t-a", assignee: "user-7")), .created(SampleRows.task("t-b", assignee: "user-7")),
                .expiredOnArrival(SampleRows.task("t-eoa", expiresAt: nine)),
                .suppressed(SampleRows.task("t-stopped"), policy: "dedup")],
            progress: [FileProgress(spool: "crm", file: "a.jsonl", items: 5, finished: false)],
            rejects: [FileReject(spool: "crm", file: "a.jsonl", rejection: EventRejection(line: 2, error: "bad", raw: "x"))],
            explanations: [TaskExplanation(taskID: "t-a", text: "why\n", appends: false)],
            appliedOutcomes: outcome.map { [$0] } ?? [])
        commit.outbox = OutboxDelivery(staged: ["t-a"], written: [], time: clock)
        return commit
    }

    static let keys = StoreContents.Keys(
        files: [("crm", "a.jsonl")], subjects: ["cust-1"], taskIDs: ["t-a", "t-b", "t-eoa", "t-stopped"], clock: nine)

    @Test(arguments: StoreBackend.all)
    func aBarrierThatThrowsLeavesNothingOfItsCommitAndTheNextCommitGoesThrough(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let empty = try await StoreContents.read(store.store, Self.keys)
            let runs = Mutex(0)
            #expect(throws: DiskFull.self) {
                try store.store.commit(Self.batch(clock: Self.nine), after: {
                    runs.withLock { $0 += 1 }
                    throw DiskFull()
                })
            }
            #expect(runs.withLock { $0 } == 1)
            #expect(try await StoreContents.read(store.store, Self.keys) == empty)
            #expect(await store.store.health().lastError == "the disk is full")

            let receipt = try store.store.commit(Self.batch(clock: Self.nine), after: { runs.withLock { $0 += 1 } })
            #expect(runs.withLock { $0 } == 2, "the barrier runs once per commit")
            #expect(receipt.notStaged.isEmpty)
            let committed = try await StoreContents.read(store.store, Self.keys)
            #expect(committed.snapshot.clock == Self.nine)
            #expect(committed.counts == [.staged: 1, .pending: 1, .expired: 1])
            #expect(committed.progress == ["crm": ["a.jsonl": FileProgress(spool: "crm", file: "a.jsonl", items: 5, finished: false)]])
            // Nothing of the failed commit was left behind to be added to.
            #expect(committed.files["crm/a.jsonl"]?.rejects.map(\.line) == [2])
            #expect(committed.explanations["t-a"]??.text == "why\n")

            try await store.reopen()
            #expect(try await StoreContents.read(store.store, Self.keys) == committed)
        }
    }

    /// The daemon redoes a batch it cannot tell was committed (a timer fires again after a
    /// restart from an older clock): no task twice, the staged file of one the store holds is
    /// dropped (``CommitReceipt/notStaged``), the first record kept, progress not added up.
    @Test(arguments: StoreBackend.all)
    func aBatchCommittedTwiceAddsNoRowTwice(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            // An outcome waiting for the engine, which the batch applies.
            #expect(try db.queueDueTasks(assigneePrefixes: [""], at: Self.nine) == 0)
            try db.commit(Commit(changes: StateChanges(clock: Self.nine), tasks: [.created(SampleRows.task("t-q"))]))
            #expect(try db.queueDueTasks(assigneePrefixes: ["queue:"], at: Self.nine) == 1)
            let leased = try await db.lease(assigneePrefixes: [""], limit: 1, holder: "h", terms: LeaseTerms(), at: Self.nine)
            _ = try await db.ack(taskID: "t-q", leaseID: leased.first?.leaseID, outcome: .rejected, note: nil, scope: [""],
                at: Self.nine)
            let outcome = try #require(try db.pendingOutcomes(limit: 10).first)

            let first = try db.commit(Self.batch(clock: Self.nine, outcome: outcome.seq))
            #expect(first.notStaged.isEmpty)
            #expect(try db.pendingOutcomes(limit: 10).isEmpty)
            let once = try await StoreContents.read(db, Self.keys)

            var again = Self.batch(clock: Self.nine, outcome: outcome.seq)
            // The same ids made again, one with another priority: the store keeps the first.
            again.tasks[1] = .created(SampleRows.task("t-b", assignee: "user-7", priority: 99))
            again.outbox?.staged = ["t-a", "t-b"]
            let second = try db.commit(again)
            #expect(second.notStaged == ["t-a", "t-b"], "their files must be dropped, not published twice")
            let twice = try await StoreContents.read(db, Self.keys)
            #expect(twice.counts == [.staged: 1, .pending: 1, .expired: 1, .acked: 1])
            #expect(twice.tasksByDelivery == once.tasksByDelivery)
            #expect(twice.tasksByDelivery[.pending]?.first?.record.priority == 50)
            #expect(twice.suppressed == once.suppressed && twice.suppressed.count == 1)
            #expect(twice.progress == once.progress, "progress is where the file got, not a sum")
            #expect(twice.explanations == once.explanations)
            #expect(twice.tally.expiredOnArrival == 1)
            #expect(try db.pendingOutcomes(limit: 10).isEmpty, "an outcome applied twice is removed once")
        }
    }

    @Test(arguments: StoreBackend.all)
    func anIDTwiceInOneBatchIsStagedOnceAndNotReportedAsHeld(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            var batch = Commit(changes: StateChanges(clock: Self.nine),
                tasks: [.created(SampleRows.task("t-a")), .created(SampleRows.task("t-a", priority: 99))])
            batch.outbox = OutboxDelivery(staged: ["t-a"], written: [], time: Self.nine)
            let receipt = try store.store.commit(batch)
            #expect(receipt.notStaged.isEmpty, "its file is published, not dropped")
            #expect(try (store.store as any StateStore).taskCounts() == [.staged: 1])
            #expect(try store.store.tasks(in: .staged).map(StoredTaskRead.init) == [.init(SampleRows.task("t-a"), .staged)])
        }
    }

    /// A task the store holds already (written) is not staged again by a later batch.
    @Test(arguments: StoreBackend.all)
    func aTaskIDTheStoreHoldsIsNotStagedAgain(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            try db.commit(Commit(changes: StateChanges(clock: Self.nine), tasks: [.created(SampleRows.task("t-a"))]))
            try db.markTasks(["t-a"], as: .written, at: Self.nine)
            var again = Commit(changes: StateChanges(clock: Self.nine),
                tasks: [.created(SampleRows.task("t-a")), .created(SampleRows.task("t-c"))])
            again.outbox = OutboxDelivery(staged: ["t-a", "t-c"], written: [], time: Self.nine)
            #expect(try db.commit(again).notStaged == ["t-a"])
            #expect(try (db as any StateStore).taskCounts() == [.written: 1, .staged: 1])
        }
    }

    /// Commits started one after another without waiting are applied in that order; each
    /// one's receipt comes back, and a read after the last sees all of them.
    @Test(arguments: StoreBackend.all)
    func commitsInFlightApplyInTheOrderTheyStarted(_ backend: StoreBackend) async throws {
        try await backend.withStore { store async throws in
            let db = store.store
            let order = Mutex<[Int]>([])
            let pending = (1...5).map { n in
                var changes = StateChanges(clock: Self.nine + .minutes(Int64(n)))
                changes.contexts = [SampleRows.context("cust-1", balance: Double(n))]
                return db.startCommit(
                    Commit(changes: changes, tasks: [.created(SampleRows.task("t-\(n)", assignee: "user-7"))],
                        progress: [FileProgress(spool: "crm", file: "a.jsonl", items: n, finished: false)]),
                    after: { order.withLock { $0.append(n) } })
            }
            for commit in pending { #expect(try commit.wait().notStaged.isEmpty) }
            #expect(order.withLock { $0 } == [1, 2, 3, 4, 5])
            #expect(try db.snapshot().clock == Self.nine + .minutes(5))
            #expect(try db.storedContext(of: "cust-1") == SampleRows.context("cust-1", balance: 5))
            #expect(try db.progress(spool: "crm")["a.jsonl"]?.items == 5)
            #expect(try db.tasks(in: .pending).map(\.record.id) == ["t-1", "t-2", "t-3", "t-4", "t-5"])
        }
    }
}
