import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Testing

/// The console's reads (``TaskBrowser``) and the store's probe (``StoreHealthProbe``): pages
/// newest first that follow one another without gap or repeat, each filter, the scope that
/// hides tasks of other assignees, and the counts `/v1/status` and `/metrics` show.
@Suite(.blocksAThread) struct BrowserAndProbeTests {
    static let start = Timestamp(rfc3339: "2026-11-23T08:00:00Z")!

    /// `count` tasks, two per instant (a cursor must tell them apart by id), over seven subjects.
    static func commitTasks(_ count: Int, to store: any DaemonStore) throws {
        let tasks = (0..<count).map { (index: Int) -> TaskRecord in
            let assignee = index % 3 == 0 ? "queue:leads" : "queue:fraud"
            let rule = index % 2 == 0 ? "card-fraud" : "hot-lead"
            let createdAt: Timestamp = start + .seconds(Int64(index / 2))
            let notBefore: Timestamp? = index % 5 == 0 ? start + .hours(2) : nil
            return SampleRows.task("t-\(index)", assignee: assignee, rule: rule, subject: "cust-\(index % 7)",
                createdAt: createdAt, notBefore: notBefore)
        }
        try store.commit(Commit(changes: StateChanges(clock: start + .hours(1)), tasks: tasks.map(TaskChange.created)))
    }

    /// The ids of tasks `0..<count` under `filter`, as the console lists them: newest first.
    static func newestFirst(_ count: Int, where filter: (Int) -> Bool) -> [String] {
        (0..<count).filter(filter).sorted { ($0 / 2, "t-\($0)") > ($1 / 2, "t-\($1)") }.map { "t-\($0)" }
    }

    @Test(arguments: StoreBackend.all)
    func pagesFollowOneAnotherWithoutGapOrRepeatAcrossTasksOfTheSameInstant(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            try Self.commitTasks(125, to: db)
            var seen: [String] = []
            var before: TaskCursor?
            var pages = 0
            repeat {
                let page = try await db.browseTasks(TaskBrowseQuery(scope: [""], before: before, limit: 50))
                #expect(page.tasks.count == (pages < 2 ? 50 : 25))
                seen += page.tasks.map(\.record.id)
                before = page.next
                pages += 1
            } while before != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == Self.newestFirst(125) { _ in true })
            let subject = try await db.browseTasks(TaskBrowseQuery(scope: [""], subject: "cust-3", limit: 5))
            #expect(subject.tasks.map(\.record.id) == ["t-122", "t-115", "t-108", "t-101", "t-94"])
            #expect(subject.next == TaskCursor(createdAt: Self.start + .seconds(47), id: "t-94"))
            let exact = try await db.browseTasks(TaskBrowseQuery(scope: [""], subject: "cust-3", limit: 18))
            #expect(exact.tasks.count == 18 && exact.next == nil, "a last page that is exactly full says so")
        }
    }

    @Test(arguments: StoreBackend.all)
    func eachFilterNarrowsTheListAndTheScopeAlwaysApplies(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            try Self.commitTasks(40, to: db)
            _ = try db.queueDueTasks(assigneePrefixes: ["queue:leads"], at: Self.start + .hours(1))
            func ids(_ query: TaskBrowseQuery) async throws -> [String] {
                try await db.browseTasks(query).tasks.map(\.record.id)
            }
            let leads = { (i: Int) in i % 3 == 0 }
            #expect(try await ids(TaskBrowseQuery(scope: ["queue:leads"], limit: 100)) == Self.newestFirst(40, where: leads))
            #expect(try await ids(TaskBrowseQuery(scope: ["queue:leads", "queue:fraud"], limit: 100)) == Self.newestFirst(40) { _ in true })
            #expect(try await ids(TaskBrowseQuery(scope: [], limit: 100)).isEmpty, "no scope sees nothing")
            #expect(try await ids(TaskBrowseQuery(scope: [""], rule: "hot-lead", limit: 100)) == Self.newestFirst(40) { $0 % 2 == 1 })
            #expect(try await ids(TaskBrowseQuery(scope: ["queue:fraud"], subject: "cust-2", limit: 100))
                == Self.newestFirst(40) { $0 % 7 == 2 && !leads($0) })
            #expect(try await ids(TaskBrowseQuery(scope: [""], assigneePrefix: "queue:l", limit: 100)) == Self.newestFirst(40, where: leads))
            #expect(try await ids(TaskBrowseQuery(scope: ["queue:fraud"], assigneePrefix: "queue:l", limit: 100)).isEmpty)
            // Queued: the due tasks of queue:leads; deferred: pending with not_before after the clock.
            #expect(try await ids(TaskBrowseQuery(scope: [""], state: .delivery(.queued), limit: 100))
                == Self.newestFirst(40) { leads($0) && $0 % 5 != 0 })
            #expect(try await ids(TaskBrowseQuery(scope: [""], state: .deferred, limit: 100)) == Self.newestFirst(40) { $0 % 5 == 0 })
            #expect(try await ids(TaskBrowseQuery(scope: [""], state: .delivery(.pending), limit: 100))
                == Self.newestFirst(40) { !leads($0) || $0 % 5 == 0 })
            let deferred = try await db.browseTasks(TaskBrowseQuery(scope: [""], state: .deferred, limit: 1)).tasks
            #expect(deferred.map(\.stateText) == ["deferred"] && deferred.map(\.deferred) == [true])
            #expect(try await ids(TaskBrowseQuery(scope: [""], rule: "hot-lead", subject: "cust-1",
                before: TaskCursor(createdAt: Self.start + .seconds(10), id: "t-0"), limit: 100))
                == Self.newestFirst(40) { $0 % 2 == 1 && $0 % 7 == 1 && $0 / 2 < 10 })
        }
    }

    @Test(arguments: StoreBackend.all)
    func aTaskPageAContextAndTheSuppressedKeepToTheScope(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let t = SampleRows.nine
            var changes = StateChanges(clock: t)
            changes.contexts = [SampleRows.context("cust-1", balance: 42)]
            try db.commit(Commit(changes: changes, tasks: [
                .created(SampleRows.task("t-fraud")),
                .suppressed(SampleRows.task("s-1", createdAt: t), policy: "contact-cap"),
                .suppressed(SampleRows.task("s-2", assignee: "queue:leads", createdAt: t + .minutes(1)), policy: "dedup"),
                .suppressed(SampleRows.task("s-3", createdAt: t + .minutes(2)), policy: "quiet-hours"),
                .suppressed(SampleRows.task("s-0", createdAt: t + .minutes(2)), policy: "quiet-hours"),
            ]))
            let page = try #require(try await db.browsedTask(id: "t-fraud", scope: ["queue:fraud"]))
            #expect(page.record == SampleRows.task("t-fraud") && page.stateText == "pending" && page.attempts == 0)
            #expect(try await db.browsedTask(id: "t-fraud", scope: ["queue:leads"]) == nil, "outside: as if unknown")
            #expect(try await db.browsedTask(id: "t-none", scope: [""]) == nil)
            #expect(try await db.browsedTask(id: "s-1", scope: [""]) == nil, "a stopped candidate is no task")

            #expect(try await db.committedContext(of: "cust-1") == SampleRows.context("cust-1", balance: 42))
            #expect(try await db.committedContext(of: "cust-9") == nil)

            let all = try await db.suppressedTasks(assigneePrefixes: [""], limit: 10).map(SuppressedTaskRead.init)
            #expect(all.map(\.record.id) == ["s-0", "s-3", "s-2", "s-1"], "newest first, then by id")
            #expect(all.map(\.policy) == ["quiet-hours", "quiet-hours", "dedup", "contact-cap"])
            #expect(all.last == SuppressedTaskRead(SampleRows.task("s-1", createdAt: t), policy: "contact-cap"))
            #expect(try await db.suppressedTasks(assigneePrefixes: ["queue:fraud"], limit: 2).map(\.record.id) == ["s-0", "s-3"])
            #expect(try await db.suppressedTasks(assigneePrefixes: ["queue:leads"], limit: 10).map(\.record.id) == ["s-2"])
            #expect(try await db.suppressedTasks(assigneePrefixes: [], limit: 10).isEmpty)

            // Forgetting candidates stopped before 09:02 takes their explanations with them.
            #expect(try db.forgetSuppressed(before: t + .minutes(2)) == 2)
            #expect(try await db.suppressedTasks(assigneePrefixes: [""], limit: 10).map(\.record.id) == ["s-0", "s-3"])
            #expect(try await (db as any TaskBrowser).explanation(of: "s-1") == nil)
        }
    }

    @Test(arguments: StoreBackend.all)
    func tasksAreCountedByStateDeferredAgainstTheClockAndAckedByOutcome(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let nine = SampleRows.nine
            let tasks: [TaskChange] = [
                .created(SampleRows.task("t-due")),
                .created(SampleRows.task("t-later", notBefore: nine + .hours(3))),
                .created(SampleRows.task("t-soon", notBefore: nine + .minutes(30))),
                .expiredOnArrival(SampleRows.task("t-eoa", expiresAt: nine)),
                .created(SampleRows.task("t-ack1")), .created(SampleRows.task("t-ack2")), .created(SampleRows.task("t-ack3")),
                .created(SampleRows.task("t-written", assignee: "user-7")),
                .suppressed(SampleRows.task("t-stopped"), policy: "dedup"),
            ]
            try db.commit(Commit(changes: StateChanges(clock: nine), tasks: tasks))
            try db.markTasks(["t-written"], as: .written, at: nine)
            // Four leased over HTTP; three acked (done, rejected, done), one still held.
            #expect(try db.queueDueTasks(assigneePrefixes: [""], at: nine) == 4)
            let terms = LeaseTerms(duration: .seconds(300), maxAttempts: 3)
            let leased = try await db.lease(assigneePrefixes: [""], limit: 10, holder: "crm", terms: terms, at: nine)
            #expect(leased.count == 4, "t-due and the three t-ack tasks were due and queued")
            _ = try await db.ack(taskID: "t-ack1", leaseID: nil, outcome: .done, note: nil, scope: [""], at: nine)
            _ = try await db.ack(taskID: "t-ack2", leaseID: nil, outcome: .rejected, note: "no", scope: [""], at: nine)
            _ = try await db.ack(taskID: "t-ack3", leaseID: nil, outcome: .done, note: nil, scope: [""], at: nine)

            let tally = try await db.taskTally(at: nine + .minutes(45))
            #expect(tally.byDelivery == [.pending: 2, .expired: 1, .written: 1, .leased: 1, .acked: 3])
            #expect(tally.deferred == 1, "t-later waits until 12:00; t-soon's 09:30 is behind the clock")
            #expect(tally.acked == ["done": 2, "rejected": 1])
            #expect(tally.expiredOnArrival == 1)
            #expect(try await db.taskTally(at: nil).deferred == 2, "no clock: every pending task with a not_before")
            #expect(try (db as any StateStore).taskCounts() == tally.byDelivery)
            #expect(try await (db as any StoreHealthProbe).taskCounts() == tally.byDelivery)
            // An expiry that is not on arrival is not counted as one.
            try db.markTasks(["t-soon"], as: .expired, at: nine + .hours(1))
            let later = try await db.taskTally(at: nine + .minutes(45))
            #expect(later.byDelivery[.expired] == 2 && later.expiredOnArrival == 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func theProbeSaysWhatTheStoreIsAndWhenItLastCommitted(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            #expect(await db.isAvailable())
            let fresh = await db.health()
            #expect(fresh.kind == backend.kind)
            #expect(!fresh.location.isEmpty && !fresh.location.contains("password"))
            #expect(fresh.lastCommit == nil && fresh.lastError == nil)
            try db.commit(Commit(changes: StateChanges(clock: SampleRows.nine)))
            let committed = await db.health()
            #expect(committed.lastCommit != nil && committed.lastError == nil)
            #expect(committed.kind == backend.kind && committed.location == fresh.location)
        }
    }
}
