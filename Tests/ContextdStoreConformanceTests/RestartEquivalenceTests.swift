import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Testing

/// What a store was told survives a restart exactly: engine state of every kind, tasks in every
/// form a commit writes them, explanations with their appends, file progress, rejects and late
/// events, forgotten files, the queue's leases and outcomes. Each read is checked against what
/// was committed, before the restart and after it.
@Suite(.blocksAThread) struct RestartEquivalenceTests {
    static let nine = SampleRows.nine
    static let clock = nine + .hours(1)

    static let due = SampleRows.task("t-due", assignee: "user-7")
    static let queued = SampleRows.task("t-queue", priority: 80)
    static let deferred = SampleRows.task("t-deferred", assignee: "user-7", notBefore: nine + .hours(3))
    static let released = SampleRows.task("t-deferred", assignee: "user-7", notBefore: nine + .hours(2))
    static let later = SampleRows.task("t-later", assignee: "user-7", notBefore: nine + .hours(5))
    static let staged = SampleRows.task("t-staged", assignee: "user-7")
    static let expiredOnArrival = SampleRows.task("t-eoa", expiresAt: nine - .minutes(1))
    static let stopped = SampleRows.task("t-stopped", assignee: "user-7")

    static let badLine = EventRejection(line: 2, error: "line 2: not JSON (unexpected end of input)", raw: "{")
    static let lateLine = EventRejection(line: 3, error: "too late", raw: #"{"specversion":"1.0","id":"e-9"}"#)

    static func timer(_ subject: String, _ at: Timestamp, key: String = "") -> TimerEntry {
        TimerEntry(at: at, ruleOrder: 0, rule: "rent-reminder", subject: subject, key: key)
    }

    static let keys = StoreContents.Keys(
        files: [("cards", "a.jsonl"), ("cards", "b.jsonl"), ("crm", "c.jsonl")],
        subjects: ["cust-1", "cust-2", "cust-unknown"],
        taskIDs: ["t-due", "t-queue", "t-deferred", "t-later", "t-staged", "t-eoa", "t-stopped", "t-unknown"],
        clock: clock)

    /// Two commits and the queue's work between them.
    static func commitEverything(to store: any DaemonStore) async throws {
        var first = StateChanges(clock: nine)
        first.contexts = [SampleRows.context("cust-1", balance: 10), SampleRows.context("cust-2", balance: -5)]
        first.timers = [
            TimerOwner(rule: "rent-reminder", subject: "cust-1"): [timer("cust-1", nine + .hours(1)),
                timer("cust-1", nine + .hours(2), key: "p-1")],
            TimerOwner(rule: "rent-reminder", subject: "cust-2"): [timer("cust-2", nine + .hours(3))],
        ]
        first.seenEvents = [SeenEvent(source: "cards", id: "e-1", time: nine - .minutes(1)),
            SeenEvent(source: "cards", id: "e-2", time: nine), SeenEvent(source: "crm", id: "e-1", time: nine)]
        first.dedupKeys = ["card-fraud|cust-1": nine, "lead|lead-1": nine - .hours(1)]
        first.limitKeys = ["contact|cust-1": [nine - .hours(1), nine]]
        var commit = Commit(
            changes: first,
            tasks: [.created(due), .created(queued), .created(deferred), .created(later), .created(staged),
                .expiredOnArrival(expiredOnArrival), .suppressed(stopped, policy: "contact-cap")],
            progress: [FileProgress(spool: "cards", file: "a.jsonl", items: 3, finished: false),
                FileProgress(spool: "cards", file: "b.jsonl", items: 5, finished: true),
                FileProgress(spool: "crm", file: "c.jsonl", items: 2, finished: false)],
            rejects: [FileReject(spool: "cards", file: "a.jsonl", rejection: badLine),
                FileReject(spool: "cards", file: "a.jsonl", rejection: lateLine, late: true),
                FileReject(spool: "cards", file: "b.jsonl", rejection: badLine)],
            explanations: [TaskExplanation(taskID: "t-due", text: "why t-due\n", appends: false),
                TaskExplanation(taskID: "t-deferred", text: "deferred until 12:00\n", appends: false),
                TaskExplanation(taskID: "t-stopped", text: "stopped by contact-cap\n", appends: false)])
        commit.outbox = OutboxDelivery(staged: ["t-staged"], written: [], time: nine)
        #expect(try store.commit(commit).notStaged.isEmpty)

        // The queue's work between the commits: t-queue queued, leased and acked.
        #expect(try store.queueDueTasks(assigneePrefixes: ["queue:"], at: clock) == 1)
        let leased = try await store.lease(
            assigneePrefixes: ["queue:"], limit: 10, holder: "crm-1", terms: LeaseTerms(), at: clock)
        #expect(leased.map(\.record.id) == ["t-queue"])
        let acked = try await store.ack(
            taskID: "t-queue", leaseID: leased.first?.leaseID, outcome: .done, note: "called", scope: ["queue:"],
            at: clock + .minutes(1))
        #expect(acked.read == .success(TaskStateRead(id: "t-queue", delivery: .acked, attempts: 1, outcome: "done", note: "called")))

        var second = StateChanges(clock: clock)
        second.contexts = [SampleRows.context("cust-1", balance: 20)]
        second.timers = [TimerOwner(rule: "rent-reminder", subject: "cust-1"): []]
        second.seenEvents = [SeenEvent(source: "cards", id: "e-3", time: clock)]
        second.dedupKeys = ["card-fraud|cust-1": clock]
        var next = Commit(
            changes: second, tasks: [.released(released)],
            progress: [FileProgress(spool: "cards", file: "a.jsonl", items: 4, finished: true)],
            finishedFiles: [(spool: "cards", file: "b.jsonl")],
            explanations: [TaskExplanation(taskID: "t-deferred", text: "released early by a desktop session\n", appends: true)])
        next.outbox = OutboxDelivery(staged: [], written: ["t-staged"], time: clock)
        #expect(try store.commit(next).notStaged.isEmpty)
    }

    /// What every read must answer after ``commitEverything(to:)``.
    static func expectCommitted(_ contents: StoreContents, sourceLocation: SourceLocation = #_sourceLocation) {
        let context1 = SampleRows.context("cust-1", balance: 20), context2 = SampleRows.context("cust-2", balance: -5)
        #expect(contents.snapshot == SnapshotRead(
            clock: clock, contexts: [context1, context2], timers: [timer("cust-2", nine + .hours(3))],
            seenEvents: [SeenEvent(source: "cards", id: "e-1", time: nine - .minutes(1)),
                SeenEvent(source: "cards", id: "e-2", time: nine), SeenEvent(source: "crm", id: "e-1", time: nine),
                SeenEvent(source: "cards", id: "e-3", time: clock)],
            dedupKeys: ["card-fraud|cust-1": clock, "lead|lead-1": nine - .hours(1)],
            limitKeys: ["contact|cust-1": [nine - .hours(1), nine]],
            deferredTasks: [released, later]), sourceLocation: sourceLocation)
        var withoutContexts = contents.snapshot
        withoutContexts.contexts = []
        #expect(contents.snapshotWithoutContexts == withoutContexts, sourceLocation: sourceLocation)
        let contexts: [String: EntityContext?] = ["cust-1": context1, "cust-2": context2, "cust-unknown": nil]
        #expect(contents.storedContexts == contexts, sourceLocation: sourceLocation)
        #expect(contents.committedContexts == contexts, sourceLocation: sourceLocation)

        #expect(contents.progress == [
            "cards": ["a.jsonl": FileProgress(spool: "cards", file: "a.jsonl", items: 4, finished: true)],
            "crm": ["c.jsonl": FileProgress(spool: "crm", file: "c.jsonl", items: 2, finished: false)],
        ], sourceLocation: sourceLocation)
        #expect(contents.files == [
            "cards/a.jsonl": .init(rejects: [badLine], lateEvents: [lateLine]),
            "cards/b.jsonl": .init(rejects: [], lateEvents: []),
            "crm/c.jsonl": .init(rejects: [], lateEvents: []),
        ], sourceLocation: sourceLocation)

        var byDelivery = Dictionary(uniqueKeysWithValues: TaskDelivery.allCases.map { ($0, [StoredTaskRead]()) })
        byDelivery[.pending] = [.init(released, .pending), .init(due, .pending), .init(later, .pending)]
        byDelivery[.written] = [.init(staged, .written)]
        byDelivery[.expired] = [.init(expiredOnArrival, .expired)]
        byDelivery[.acked] = [.init(queued, .acked)]
        #expect(contents.tasksByDelivery == byDelivery, sourceLocation: sourceLocation)
        #expect(contents.dueTasks == [.init(due, .pending)], sourceLocation: sourceLocation)
        #expect(contents.nextDue == nine + .hours(2), "t-deferred, released to 11:00", sourceLocation: sourceLocation)

        let explanations: [String: ExplanationRead?] = [
            "t-due": .init(due, status: "pending", text: "why t-due\n"),
            "t-queue": .init(queued, status: "acked (done: called), leased once", text: nil),
            "t-deferred": .init(released, status: "pending",
                text: "deferred until 12:00\nreleased early by a desktop session\n"),
            "t-later": .init(later, status: "pending", text: nil),
            "t-staged": .init(staged, status: "written", text: nil),
            "t-eoa": .init(expiredOnArrival, status: "expired", text: nil),
            "t-stopped": .init(stopped, status: "suppressed by policy contact-cap", text: "stopped by contact-cap\n"),
            "t-unknown": nil,
        ]
        #expect(contents.explanations.keys.sorted() == explanations.keys.sorted(), sourceLocation: sourceLocation)
        for (id, explanation) in explanations.sorted(by: { $0.key < $1.key }) {
            #expect(contents.explanations[id] == explanation, "\(id)", sourceLocation: sourceLocation)
            #expect(contents.asyncExplanations[id] == explanation, "\(id), asynchronously", sourceLocation: sourceLocation)
        }
        expectBrowsed(contents, sourceLocation: sourceLocation)

        #expect(contents.suppressed == [.init(stopped, policy: "contact-cap")], sourceLocation: sourceLocation)
        #expect(contents.pendingOutcomes.map(\.task) == ["t-queue"], sourceLocation: sourceLocation)
        if let outcome = contents.pendingOutcomes.first {
            #expect([outcome.rule, outcome.subject, outcome.assignee, outcome.outcome, outcome.note]
                == ["card-fraud", "cust-t-queue", "queue:fraud", "done", "called"], sourceLocation: sourceLocation)
            #expect(outcome.time == clock + .minutes(1), sourceLocation: sourceLocation)
        }
        #expect(contents.deadLetters.isEmpty && contents.nextLeaseEnd == nil, sourceLocation: sourceLocation)

        var tally = StoredTaskTally()
        tally.byDelivery = [.pending: 3, .written: 1, .expired: 1, .acked: 1]
        tally.deferred = 2
        tally.acked = ["done": 1]
        tally.expiredOnArrival = 1
        #expect(contents.tally == tally, sourceLocation: sourceLocation)
        #expect(contents.counts == tally.byDelivery, sourceLocation: sourceLocation)
        #expect(contents.asyncCounts == tally.byDelivery, sourceLocation: sourceLocation)
    }

    /// The task list, newest first (every task was created at 09:00, so by id, descending).
    static func expectBrowsed(_ contents: StoreContents, sourceLocation: SourceLocation) {
        struct Row: Equatable {
            var id: String
            var state: String
            var deferred: Bool
            var attempts: Int
            var outcome: String? = nil
            var note: String? = nil
            var deliveredAt: Timestamp? = nil
            var ackedAt: Timestamp? = nil
            var leaseHolder: String? = nil
            var leaseUntil: Timestamp? = nil
        }
        let rows = contents.browsed.map {
            Row(id: $0.record.id, state: $0.stateText, deferred: $0.deferred, attempts: $0.attempts, outcome: $0.outcome,
                note: $0.note, deliveredAt: $0.deliveredAt, ackedAt: $0.ackedAt, leaseHolder: $0.leaseHolder,
                leaseUntil: $0.leaseUntil)
        }
        #expect(rows == [
            Row(id: "t-staged", state: "written", deferred: false, attempts: 0, deliveredAt: clock),
            Row(id: "t-queue", state: "acked (done)", deferred: false, attempts: 1, outcome: "done", note: "called",
                deliveredAt: clock, ackedAt: clock + .minutes(1), leaseHolder: "crm-1"),
            Row(id: "t-later", state: "deferred", deferred: true, attempts: 0),
            Row(id: "t-eoa", state: "expired", deferred: false, attempts: 0, deliveredAt: nine),
            Row(id: "t-due", state: "pending", deferred: false, attempts: 0),
            Row(id: "t-deferred", state: "deferred", deferred: true, attempts: 0),
        ], sourceLocation: sourceLocation)
        #expect(contents.browsed.map(\.record) == [staged, queued, later, expiredOnArrival, due, released],
            sourceLocation: sourceLocation)
        let byID = Dictionary(uniqueKeysWithValues: contents.browsed.map { ($0.record.id, $0) })
        for (id, task) in contents.browsedByID {
            #expect(task == byID[id], "\(id): the page and the list agree", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: StoreBackend.all)
    func everythingCommittedReadsBackTheSameBeforeAndAfterARestart(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            try await Self.commitEverything(to: store.store)
            let before = try await StoreContents.read(store.store, Self.keys)
            Self.expectCommitted(before)

            try await store.reopen()
            let after = try await StoreContents.read(store.store, Self.keys)
            Self.expectCommitted(after)
            #expect(after == before)

            // Opening the same data once more changes nothing either.
            try await store.reopen()
            #expect(try await StoreContents.read(store.store, Self.keys) == before)
        }
    }
}
