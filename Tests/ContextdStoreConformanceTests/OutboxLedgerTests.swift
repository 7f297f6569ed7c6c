import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Testing

/// The file outbox's side of the tasks: due exactly as ``TaskRecord/isDue(at:)`` says (defined
/// once, decision 0016), in priority, creation, id order; expiry before due; the two marks.
@Suite(.blocksAThread) struct OutboxLedgerTests {
    static let time = SampleRows.nine

    /// `not_before` absent, before or after creation, each with no expiry or one a second
    /// before, at, or a second after the due time.
    static let grid: [TaskRecord] = {
        var tasks: [TaskRecord] = []
        for (n, notBefore) in [nil, time - .seconds(30), time + .seconds(60)].enumerated() {
            let dueAt = notBefore ?? time
            for (e, expiresAt) in [nil, dueAt - .seconds(1), dueAt, dueAt + .seconds(1)].enumerated() {
                tasks.append(SampleRows.task("t-\(n)-\(e)", assignee: "user-7", priority: Double(10 * n + e),
                    notBefore: notBefore, expiresAt: expiresAt))
            }
        }
        return tasks
    }()

    @Test(arguments: StoreBackend.all)
    func theStoreSelectsExactlyTheTasksTheRecordSaysAreDue(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            try db.commit(Commit(changes: StateChanges(clock: Self.time), tasks: Self.grid.map(TaskChange.created)))
            for clock in [Self.time - .seconds(31), Self.time - .seconds(30), Self.time, Self.time + .seconds(59),
                Self.time + .seconds(60), Self.time + .seconds(61)]
            {
                let selected = try db.dueTasks(at: clock, limit: 100)
                // In the order the outbox writes them: highest priority first.
                let expected = Self.grid.filter { $0.isDue(at: clock) }.sorted { $0.priority > $1.priority }
                #expect(selected.map(\.record.id) == expected.map(\.id), "at \(clock.milliseconds)")
                #expect(selected.allSatisfy { $0.delivery == .pending })
                #expect(selected.map(\.record) == expected, "at \(clock.milliseconds): the records as committed")
            }
            // The two halves of the rule: due and kept, or due and stopped by its own expiry.
            let end = Self.time + .seconds(61)
            #expect(Self.grid.filter { $0.isDue(at: end) }.count == 6)
            let expiring = Self.grid.filter { $0.dueAt <= end && $0.expiresBeforeDue }
            #expect(expiring.count == 6)
            #expect(try db.expireTasks(at: end) == expiring.count)
            #expect(try db.expireTasks(at: end) == 0)
            #expect(try db.tasks(in: .expired).map(\.record.id).sorted() == expiring.map(\.id).sorted())
            #expect(try db.dueTasks(at: end, limit: 100).count == 6, "expiring took none of the due tasks")
            let browsed = try await db.browseTasks(TaskBrowseQuery(scope: [""], state: .delivery(.expired)))
            #expect(browsed.tasks.allSatisfy { $0.deliveredAt == end }, "expired at the clock asked")
        }
    }

    /// A deferred task released early takes the release's due time, and with it whether it
    /// expires before it is due: held past its expiry it would only have expired; released
    /// before, it goes out.
    @Test(arguments: StoreBackend.all)
    func aTaskReleasedEarlyIsJudgedByItsNewDueTime(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let held = SampleRows.task("t-held", assignee: "user-7", notBefore: Self.time + .seconds(60),
                expiresAt: Self.time + .seconds(30))
            #expect(held.expiresBeforeDue)
            try db.commit(Commit(changes: StateChanges(clock: Self.time), tasks: [.created(held)]))
            #expect(try db.dueTasks(at: Self.time + .seconds(61), limit: 10).isEmpty)

            var released = held
            released.notBefore = Self.time + .seconds(10)
            #expect(!released.expiresBeforeDue)
            try db.commit(Commit(changes: StateChanges(clock: Self.time + .seconds(10)), tasks: [.released(released)]))
            #expect(try db.dueTasks(at: Self.time + .seconds(10), limit: 10).map(StoredTaskRead.init) == [.init(released, .pending)])
            #expect(try db.expireTasks(at: Self.time + .seconds(10)) == 0)
            #expect(try db.queueDueTasks(assigneePrefixes: ["user-"], at: Self.time + .seconds(10)) == 1)
        }
    }

    @Test(arguments: StoreBackend.all)
    func dueTasksComeByPriorityThenCreationThenIDUpToTheLimit(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let t = Self.time
            let tasks = [
                SampleRows.task("t-c", priority: 10, createdAt: t),
                SampleRows.task("t-b", priority: 90, createdAt: t + .seconds(2)),
                SampleRows.task("t-a", priority: 90, createdAt: t + .seconds(2)),
                SampleRows.task("t-z", priority: 90, createdAt: t + .seconds(1)),
                SampleRows.task("t-d", priority: 50.5, createdAt: t),
                SampleRows.task("t-later", priority: 100, createdAt: t, notBefore: t + .hours(1)),
            ]
            try db.commit(Commit(changes: StateChanges(clock: t + .seconds(2)), tasks: tasks.map(TaskChange.created)))
            let clock = t + .seconds(2)
            #expect(try db.dueTasks(at: clock, limit: 10).map(\.record.id) == ["t-z", "t-a", "t-b", "t-d", "t-c"])
            #expect(try db.dueTasks(at: clock, limit: 2).map(\.record.id) == ["t-z", "t-a"])
            #expect(try db.dueTasks(at: t + .hours(1), limit: 1).map(\.record.id) == ["t-later"])
            #expect(try db.tasks(in: .pending).map(\.record.id) == ["t-later", "t-z", "t-a", "t-b", "t-d", "t-c"])
        }
    }

    @Test(arguments: StoreBackend.all)
    func marksMoveTasksFromStagedToWrittenAndOutOfTheDueOnes(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let tasks = ["t-a", "t-b", "t-c"].map { SampleRows.task($0, assignee: "user-7") }
            try db.commit(Commit(changes: StateChanges(clock: Self.time), tasks: tasks.map(TaskChange.created)))
            try db.markTasks(["t-a", "t-b"], as: .staged, at: Self.time + .seconds(1))
            #expect(try db.dueTasks(at: Self.time, limit: 10).map(\.record.id) == ["t-c"], "a staged task is not written again")
            #expect(try db.tasks(in: .staged).map(StoredTaskRead.init) == [.init(tasks[0], .staged), .init(tasks[1], .staged)])
            try db.markTasks(["t-a"], as: .written, at: Self.time + .seconds(2))
            try db.markTasks([], as: .written, at: Self.time + .seconds(3))
            #expect(try db.tasks(in: .staged).map(\.record.id) == ["t-b"])
            #expect(try db.tasks(in: .written).map(StoredTaskRead.init) == [.init(tasks[0], .written)])
            #expect(try (db as any StateStore).taskCounts() == [.written: 1, .staged: 1, .pending: 1])
            let written = try #require(try await db.browsedTask(id: "t-a", scope: [""]))
            #expect(written.deliveredAt == Self.time + .seconds(2))
            #expect(try await db.browsedTask(id: "t-b", scope: [""])?.deliveredAt == Self.time + .seconds(1))
        }
    }

    /// The commit that creates a task stages it, and the next one marks it written
    /// (decision 0010): neither passes through `pending`.
    @Test(arguments: StoreBackend.all)
    func theGroupCommitStagesAndMarksWritten(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            var first = Commit(changes: StateChanges(clock: Self.time),
                tasks: [.created(SampleRows.task("t-a")), .created(SampleRows.task("t-b"))])
            first.outbox = OutboxDelivery(staged: ["t-a"], written: [], time: Self.time)
            try db.commit(first)
            #expect(try (db as any StateStore).taskCounts() == [.staged: 1, .pending: 1], "only the staged one skips pending")
            #expect(try db.dueTasks(at: Self.time, limit: 10).map(\.record.id) == ["t-b"])

            var second = Commit(changes: StateChanges(clock: nil))
            second.outbox = OutboxDelivery(staged: [], written: ["t-a"], time: Self.time + .minutes(1))
            try db.commit(second)
            #expect(try (db as any StateStore).taskCounts() == [.written: 1, .pending: 1])
            #expect(try await db.browsedTask(id: "t-a", scope: [""])?.deliveredAt == Self.time + .minutes(1))
            #expect(try db.snapshot().clock == Self.time, "a commit without a clock leaves it")
        }
    }

    @Test(arguments: StoreBackend.all)
    func theNextDueTimeIsTheEarliestPendingOneAfterTheClock(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let t = Self.time
            #expect(try db.nextDue(after: t) == nil)
            let tasks = [
                SampleRows.task("t-now"), SampleRows.task("t-10", notBefore: t + .minutes(10)),
                SampleRows.task("t-60", notBefore: t + .hours(1)), SampleRows.task("t-staged", notBefore: t + .minutes(5)),
            ]
            var batch = Commit(changes: StateChanges(clock: t), tasks: tasks.map(TaskChange.created))
            batch.outbox = OutboxDelivery(staged: ["t-staged"], written: [], time: t)
            try db.commit(batch)
            #expect(try db.nextDue(after: t) == t + .minutes(10), "a staged task does not wake the outbox")
            #expect(try db.nextDue(after: t + .minutes(10)) == t + .hours(1))
            #expect(try db.nextDue(after: t + .hours(1)) == nil)
            try db.markTasks(["t-10"], as: .written, at: t)
            #expect(try db.nextDue(after: t) == t + .hours(1))
        }
    }

    /// A group commits every file it read: each keeps its own progress and rejects, and a file
    /// name forgotten in the same commit that a reused name writes again keeps the new row.
    @Test(arguments: StoreBackend.all)
    func oneCommitRecordsEveryFileOfTheGroup(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let bad = EventRejection(line: 2, error: "not JSON", raw: "{")
            let late = EventRejection(line: 4, error: "too late", raw: #"{"id":"e-4"}"#)
            try db.commit(Commit(
                changes: StateChanges(clock: nil),
                progress: [
                    FileProgress(spool: "cards", file: "a.jsonl", items: 3, finished: true),
                    FileProgress(spool: "cards", file: "b.jsonl", items: 5, finished: true),
                    FileProgress(spool: "crm", file: "c.jsonl", items: 10_000, finished: false),
                ],
                rejects: [FileReject(spool: "cards", file: "b.jsonl", rejection: bad),
                    FileReject(spool: "cards", file: "b.jsonl", rejection: late, late: true)]))
            #expect(try db.progress(spool: "cards") == [
                "a.jsonl": FileProgress(spool: "cards", file: "a.jsonl", items: 3, finished: true),
                "b.jsonl": FileProgress(spool: "cards", file: "b.jsonl", items: 5, finished: true),
            ])
            #expect(try db.progress(spool: "crm") == ["c.jsonl": FileProgress(spool: "crm", file: "c.jsonl", items: 10_000, finished: false)])
            #expect(try db.progress(spool: "web").isEmpty)
            #expect(try db.rejects(spool: "cards", file: "a.jsonl").isEmpty)
            #expect(try db.rejects(spool: "cards", file: "b.jsonl") == [bad])
            #expect(try db.lateEvents(spool: "cards", file: "b.jsonl") == [late])
            #expect(try db.rejects(spool: "crm", file: "b.jsonl").isEmpty, "rejects are per spool")
        }
    }

    @Test(arguments: StoreBackend.all)
    func aNameForgottenAndWrittenInOneCommitKeepsTheNewRow(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let old = EventRejection(line: 1, error: "old", raw: "x")
            try db.commit(Commit(changes: StateChanges(clock: nil),
                progress: [FileProgress(spool: "cards", file: "a.jsonl", items: 4, finished: true)],
                rejects: [FileReject(spool: "cards", file: "a.jsonl", rejection: old),
                    FileReject(spool: "cards", file: "a.jsonl", rejection: old, late: true)]))
            // The first a.jsonl left cur/; a producer dropped a second one, read in the next group.
            let new = EventRejection(line: 7, error: "new", raw: "y")
            try db.commit(Commit(changes: StateChanges(clock: nil),
                progress: [FileProgress(spool: "cards", file: "a.jsonl", items: 9, finished: false)],
                rejects: [FileReject(spool: "cards", file: "a.jsonl", rejection: new)],
                finishedFiles: [(spool: "cards", file: "a.jsonl")]))
            #expect(try db.progress(spool: "cards") == ["a.jsonl": FileProgress(spool: "cards", file: "a.jsonl", items: 9, finished: false)])
            #expect(try db.rejects(spool: "cards", file: "a.jsonl") == [new])
            #expect(try db.lateEvents(spool: "cards", file: "a.jsonl").isEmpty)
        }
    }

    /// Rejects come back in file order, across the commits that recorded them.
    @Test(arguments: StoreBackend.all)
    func rejectsComeBackInFileOrder(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let rejects = (1...30).map { EventRejection(line: $0 * 3, error: "line \($0 * 3)", raw: "r\($0)") }
            for group in stride(from: 0, to: rejects.count, by: 7) {
                try store.store.commit(Commit(changes: StateChanges(clock: nil),
                    rejects: rejects[group..<min(group + 7, rejects.count)].map { FileReject(spool: "s", file: "f", rejection: $0) }))
            }
            #expect(try store.store.rejects(spool: "s", file: "f") == rejects)
        }
    }
}
