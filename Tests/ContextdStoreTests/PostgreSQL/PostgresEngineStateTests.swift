import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Dispatch
import Testing

/// The engine state in PostgreSQL: what a commit writes reads back field by field, a context
/// is one row per declaration carrying its partition, a task id is inserted at most once, and
/// the retention deletes what it should.
@Suite(.postgres, .blocksAThread) struct PostgresEngineStateTests {
    typealias F = PostgresFixtures

    @Test func aCommitReadsBackFieldByField() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            var changes = StateChanges(clock: F.nine + .minutes(5))
            changes.contexts = [F.context("card-1"), F.context("card-2")]
            let timer = TimerEntry(at: F.nine + .hours(2), ruleOrder: 0, rule: "dormant", subject: "card-1", key: "k")
            changes.timers = [TimerOwner(rule: "dormant", subject: "card-1"): [timer]]
            changes.seenEvents = [SeenEvent(source: "cards", id: "e1", time: F.nine)]
            changes.dedupKeys = ["r|card-1": F.nine]
            changes.limitKeys = ["cap|card-1": [F.nine, F.nine + .minutes(1)]]
            let deferred = F.task("t-later", notBefore: F.nine + .hours(3))
            try store.commit(Commit(changes: changes, tasks: [.created(deferred), .created(F.task("t-now"))]))

            let snapshot = try store.snapshot()
            #expect(snapshot.clock == F.nine + .minutes(5))
            #expect(snapshot.contexts.sorted { $0.subject < $1.subject } == [F.context("card-1"), F.context("card-2")])
            #expect(snapshot.timers == [timer])
            #expect(snapshot.seenEvents == [SeenEvent(source: "cards", id: "e1", time: F.nine)])
            #expect(snapshot.dedupKeys == ["r|card-1": F.nine])
            #expect(snapshot.limitKeys == ["cap|card-1": [F.nine, F.nine + .minutes(1)]])
            #expect(snapshot.deferredTasks == [deferred], "only the task a release may still move")
            #expect(try store.snapshot(includingContexts: false).contexts.isEmpty)
            #expect(try store.storedContext(of: "card-2") == F.context("card-2"))
            #expect(try store.storedContext(of: "card-3") == nil)
            #expect(try await store.committedContext(of: "card-1") == F.context("card-1"))

            // One row per declaration, each with the subject's partition.
            #expect(try await database.column("""
                SELECT declaration || '=' || partition FROM entity_context WHERE subject = 'card-1' ORDER BY declaration
                """) == ["cards", "last_tx", "logins", "nothing_yet", "spend"].map { "\($0)=\(EntityPartition.of("card-1"))" })
            #expect(try await database.column("SELECT DISTINCT partition::text FROM task WHERE subject = 's-t-now'")
                == ["\(EntityPartition.of("s-t-now"))"])

            // A committed context replaces all of its subject's rows.
            var next = StateChanges(clock: F.nine + .minutes(6))
            let smaller = EntityContext(subject: "card-1", states: ["spend": .window([.init(time: F.nine, amount: 1)])])
            next.contexts = [smaller]
            next.timers = [TimerOwner(rule: "dormant", subject: "card-1"): []]
            try store.commit(Commit(changes: next))
            #expect(try store.storedContext(of: "card-1") == smaller)
            #expect(try await database.column("SELECT count(*)::text FROM entity_context WHERE subject = 'card-1'") == ["1"])
            #expect(try store.snapshot().timers.isEmpty)
            #expect(try store.snapshot().clock == F.nine + .minutes(6))
            // A commit without a clock keeps the last one.
            try store.commit(Commit(changes: StateChanges(clock: nil)))
            #expect(try store.snapshot().clock == F.nine + .minutes(6))
        }
    }

    @Test func aTaskIDIsInsertedOnceAndADuplicateStagedIDComesBackNotStaged() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let first = F.task("t-1")
            var commit = Commit(changes: StateChanges(clock: F.nine), tasks: [.created(first), .created(first)])
            commit.outbox = OutboxDelivery(staged: ["t-1"], written: [], time: F.nine)
            #expect(try store.commit(commit).notStaged.isEmpty, "the same id twice in one batch is staged once")
            // A timer fired again after a restart makes the same task: not inserted, not staged.
            var again = Commit(changes: StateChanges(clock: F.nine), tasks: [.created(F.task("t-1", priority: 99)),
                .created(F.task("t-2"))])
            again.outbox = OutboxDelivery(staged: ["t-1", "t-2"], written: ["t-1"], time: F.nine + .minutes(1))
            #expect(try store.commit(again).notStaged == ["t-1"])
            #expect(try store.tasks(in: .written).map(\.record) == [first])
            #expect(try store.tasks(in: .staged).map(\.record.id) == ["t-2"])
            #expect(try await database.column("SELECT count(*)::text FROM task") == ["2"])
            #expect(try await store.browsedTask(id: "t-2", scope: [""])?.deliveredAt == F.nine + .minutes(1))
            #expect(try await store.browsedTask(id: "t-1", scope: [""])?.deliveredAt == F.nine + .minutes(1),
                "marked written by the second commit")

            // Created and released in one batch: the release applies to the row just inserted.
            let later = F.task("t-3", notBefore: F.nine + .hours(2))
            var released = later
            released.notBefore = F.nine + .minutes(5)
            try store.commit(Commit(changes: StateChanges(clock: F.nine), tasks: [.created(later), .released(released)]))
            #expect(try store.nextDue(after: F.nine) == F.nine + .minutes(5))
        }
    }

    @Test func retentionForgetsSeenEventsAndStoppedCandidatesWithTheirExplanations() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            var changes = StateChanges(clock: F.nine)
            changes.seenEvents = [
                SeenEvent(source: "a", id: "old", time: F.nine - .days(10)), SeenEvent(source: "a", id: "new", time: F.nine),
            ]
            try store.commit(Commit(
                changes: changes,
                tasks: [.suppressed(F.task("t-old", createdAt: F.nine - .days(10)), policy: "cap"),
                    .suppressed(F.task("t-new"), policy: "cap")],
                explanations: [TaskExplanation(taskID: "t-old", text: "old\n", appends: false),
                    TaskExplanation(taskID: "t-new", text: "new\n", appends: false)]))
            #expect(try store.forgetSeenEvents(before: F.nine - .days(1)) == 1)
            #expect(try store.snapshot().seenEvents.map(\.id) == ["new"])
            #expect(try store.forgetSuppressed(before: F.nine - .days(1)) == 1)
            #expect(try store.syncExplanation(of: "t-old") == nil)
            #expect(try store.syncExplanation(of: "t-new")?.status == "suppressed by policy cap")
        }
    }

    @Test func aContextReadsBackWithoutWaitingForTheCommitInFlightAndTheLoopsReadsComeAfterIt() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            var first = StateChanges(clock: F.nine)
            first.contexts = [F.context("card-1")]
            try store.commit(Commit(changes: first))

            // A commit held in its barrier (the outbox's fsync, say) while the engine reads back.
            let release = DispatchSemaphore(value: 0)
            var second = StateChanges(clock: F.nine + .minutes(1))
            let changed = EntityContext(subject: "card-1", states: ["nothing_yet": .latest(nil)])
            second.contexts = [changed]
            let pending = store.startCommit(Commit(changes: second, tasks: [.created(F.task("t-1"))]),
                after: { release.wait() })
            #expect(try store.storedContext(of: "card-1") == F.context("card-1"), "the last commit, at once")
            release.signal()
            // Asked before waiting: the due-task read runs after the commit and sees its task.
            #expect(try store.dueTasks(at: F.nine + .minutes(1), limit: 10).map(\.record.id) == ["t-1"])
            _ = try pending.wait()
            #expect(try store.storedContext(of: "card-1") == changed)
        }
    }
}
