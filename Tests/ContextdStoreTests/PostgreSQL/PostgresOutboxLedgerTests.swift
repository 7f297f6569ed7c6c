import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Testing

/// The outbox ledger and the spool ledger in PostgreSQL: due tasks exactly as
/// ``TaskRecord/isDue(at:)`` says, in priority, creation, id order; expiry, marks, the next
/// due time; file progress and rejects per file.
@Suite(.postgres, .blocksAThread) struct PostgresOutboxLedgerTests {
    typealias F = PostgresFixtures

    @Test func dueTasksAreThoseIsDueSelectsInPriorityCreationIDOrder() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let offsets: [TimeSpan?] = [nil, .minutes(-1), .seconds(0), .minutes(1)]
            var tasks: [TaskRecord] = []
            for (n, notBefore) in offsets.enumerated() {
                for (m, expiresAt) in offsets.enumerated() {
                    let due = F.nine + (notBefore ?? .seconds(0))
                    tasks.append(F.task(
                        "t-\(n)\(m)", priority: Double((n * 7 + m * 3) % 5), createdAt: F.nine - .minutes(Int64(m)),
                        notBefore: notBefore.map { F.nine + $0 }, expiresAt: expiresAt.map { due + $0 }))
                }
            }
            try store.commit(Commit(changes: StateChanges(clock: F.nine), tasks: tasks.map(TaskChange.created)))
            let clock = F.nine + .seconds(30)
            let expected = tasks.filter { $0.isDue(at: clock) }
                .sorted { ($0.priority, $1.createdAt, $1.id) > ($1.priority, $0.createdAt, $0.id) }
            #expect(try store.dueTasks(at: clock, limit: 100).map(\.record.id) == expected.map(\.id))
            #expect(try store.dueTasks(at: clock, limit: 2).map(\.record.id) == Array(expected.prefix(2)).map(\.id))

            let expiring = tasks.filter { $0.expiresBeforeDue && $0.dueAt <= clock }
            #expect(try store.expireTasks(at: clock) == expiring.count)
            #expect(Set(try store.tasks(in: .expired).map(\.record.id)) == Set(expiring.map(\.id)))
            #expect(try store.nextDue(after: clock) == F.nine + .minutes(1))
            #expect(try store.nextDue(after: F.nine + .hours(1)) == nil)

            try store.markTasks(expected.map(\.id), as: .staged, at: clock)
            try store.markTasks([expected[0].id], as: .written, at: clock)
            #expect(try store.tasks(in: .staged).map(\.record.id) == Array(expected.dropFirst()).map(\.id))
            #expect(try store.tasks(in: .written).map(\.record) == [expected[0]])
            #expect(try store.dueTasks(at: clock, limit: 100).isEmpty)
            #expect(try store.syncTaskCounts() == [
                .pending: tasks.count - expected.count - expiring.count, .expired: expiring.count,
                .staged: expected.count - 1, .written: 1,
            ])
            #expect(try await store.taskCounts() == (try store.syncTaskCounts()))
        }
    }

    @Test func anEarlyReleaseMovesTheDueTimeAndExpiryJudgement() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let later = F.task("t-1", notBefore: F.nine + .hours(2), expiresAt: F.nine + .hours(1))
            try store.commit(Commit(changes: StateChanges(clock: F.nine), tasks: [.created(later)]))
            #expect(try store.snapshot().deferredTasks.isEmpty == false)
            var released = later
            released.notBefore = F.nine + .minutes(10)
            try store.commit(Commit(changes: StateChanges(clock: F.nine + .minutes(10)), tasks: [.released(released)]))
            #expect(try store.dueTasks(at: F.nine + .minutes(10), limit: 10).map(\.record) == [released])
            #expect(try store.expireTasks(at: F.nine + .hours(3)) == 0)
        }
    }

    @Test func theSpoolLedgerKeepsProgressRejectsAndLateEventsPerFile() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let bad = EventRejection(line: 2, error: "not JSON", raw: "{")
            let worse = EventRejection(line: 1, error: "no id", raw: "{}")
            let late = EventRejection(line: 3, error: "too late", raw: "{\"id\":\"x\"}")
            try store.commit(Commit(
                changes: StateChanges(clock: nil),
                progress: [
                    FileProgress(spool: "cards", file: "a.jsonl", items: 3, finished: true),
                    FileProgress(spool: "crm", file: "c.jsonl", items: 10_000, finished: false),
                ],
                rejects: [
                    FileReject(spool: "cards", file: "a.jsonl", rejection: bad),
                    FileReject(spool: "cards", file: "a.jsonl", rejection: worse),
                    FileReject(spool: "cards", file: "a.jsonl", rejection: late, late: true),
                ]))
            #expect(try store.progress(spool: "cards") == [
                "a.jsonl": FileProgress(spool: "cards", file: "a.jsonl", items: 3, finished: true),
            ])
            #expect(try store.progress(spool: "crm").values.map(\.items) == [10_000])
            #expect(try store.rejects(spool: "cards", file: "a.jsonl") == [bad, worse], "in file order as written")
            #expect(try store.lateEvents(spool: "cards", file: "a.jsonl") == [late])
            // Finished and written again in one commit: the new row stays.
            try store.commit(Commit(changes: StateChanges(clock: nil),
                progress: [FileProgress(spool: "cards", file: "a.jsonl", items: 9, finished: false)],
                finishedFiles: [(spool: "cards", file: "a.jsonl")]))
            #expect(try store.progress(spool: "cards")["a.jsonl"]?.items == 9)
            #expect(try store.rejects(spool: "cards", file: "a.jsonl").isEmpty)
            #expect(try store.lateEvents(spool: "cards", file: "a.jsonl").isEmpty)
        }
    }
}
