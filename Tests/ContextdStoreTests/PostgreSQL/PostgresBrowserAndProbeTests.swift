import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Foundation
import Testing

/// The console's reads, `contextd explain`'s status text and the probe's numbers, from
/// PostgreSQL: the same pages, words and counts as SQLite's.
@Suite(.postgres, .blocksAThread) struct PostgresBrowserAndProbeTests {
    typealias F = PostgresFixtures

    @Test func browsingPagesNewestFirstWithFiltersAndACursor() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            var tasks: [TaskChange] = (0..<5).map {
                .created(F.task("t-\($0)", subject: $0 < 3 ? "card-a" : "card-b", createdAt: F.nine + .minutes(Int64($0))))
            }
            tasks.append(.created(F.task("t-later", assignee: "crm:x", createdAt: F.nine + .minutes(9),
                notBefore: F.nine + .hours(5))))
            try store.commit(Commit(changes: StateChanges(clock: F.nine + .minutes(10)), tasks: tasks))

            let first = try await store.browseTasks(TaskBrowseQuery(scope: ["queue:"], limit: 2))
            #expect(first.tasks.map(\.record.id) == ["t-4", "t-3"])
            #expect(first.next == TaskCursor(createdAt: F.nine + .minutes(3), id: "t-3"))
            let second = try await store.browseTasks(TaskBrowseQuery(scope: ["queue:"], before: first.next, limit: 2))
            #expect(second.tasks.map(\.record.id) == ["t-2", "t-1"])
            let last = try await store.browseTasks(TaskBrowseQuery(scope: ["queue:"], before: second.next, limit: 2))
            #expect(last.tasks.map(\.record.id) == ["t-0"] && last.next == nil)

            let bySubject = try await store.browseTasks(TaskBrowseQuery(scope: [""], subject: "card-b"))
            #expect(bySubject.tasks.map(\.record.id) == ["t-4", "t-3"])
            let deferred = try await store.browseTasks(TaskBrowseQuery(scope: [""], state: .deferred))
            #expect(deferred.tasks.map(\.record.id) == ["t-later"] && deferred.tasks.first?.stateText == "deferred")
            let byPrefix = try await store.browseTasks(TaskBrowseQuery(scope: [""], assigneePrefix: "crm:"))
            #expect(byPrefix.tasks.map(\.record.id) == ["t-later"])
            let byRuleAndState = try await store.browseTasks(TaskBrowseQuery(
                scope: [""], rule: "r", state: .delivery(.pending), limit: 100))
            #expect(byRuleAndState.tasks.count == 6)
            #expect(try await store.browseTasks(TaskBrowseQuery(scope: [])).tasks.isEmpty, "no scope sees nothing")

            #expect(try await store.browsedTask(id: "t-later", scope: ["queue:"]) == nil, "outside the scope")
            let page = try #require(try await store.browsedTask(id: "t-later", scope: ["crm:"]))
            #expect(page.record == F.task("t-later", assignee: "crm:x", createdAt: F.nine + .minutes(9),
                notBefore: F.nine + .hours(5)))
            #expect(page.deferred && page.attempts == 0 && page.deliveredAt == nil && page.leaseHolder == nil)
            #expect(try await store.browsedTask(id: "nope", scope: [""]) == nil)
        }
    }

    @Test func explanationsSayWhereATaskIsInSQLitesWords() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            try store.commit(Commit(
                changes: StateChanges(clock: F.nine),
                tasks: [.created(F.task("t-1")), .created(F.task("t-2")), .suppressed(F.task("t-3"), policy: "contact-cap")],
                explanations: [TaskExplanation(taskID: "t-1", text: "rule r matched\n", appends: false),
                    TaskExplanation(taskID: "t-3", text: "stopped\n", appends: false)]))
            try store.commit(Commit(changes: StateChanges(clock: nil), explanations: [
                TaskExplanation(taskID: "t-1", text: "released early\n", appends: true),
                TaskExplanation(taskID: "t-1", text: "never replaces\n", appends: false),
            ]))
            _ = try store.queueDueTasks(assigneePrefixes: [""], at: F.nine)
            let terms = LeaseTerms(duration: .seconds(60), maxAttempts: 5)
            _ = try await store.lease(assigneePrefixes: [""], limit: 2, holder: "h", terms: terms, at: F.nine)
            _ = try await store.release(taskID: "t-2", leaseID: nil, scope: [""], terms: terms, at: F.nine)
            _ = try await store.lease(assigneePrefixes: [""], limit: 2, holder: "h", terms: terms, at: F.nine)
            _ = try await store.ack(taskID: "t-1", leaseID: nil, outcome: .rejected, note: "not now", scope: [""], at: F.nine)

            let one = try #require(try store.syncExplanation(of: "t-1"))
            #expect(one.status == "acked (rejected: not now), leased once")
            #expect(one.text == "rule r matched\nreleased early\n")
            #expect(one.record == F.task("t-1"))
            #expect(try store.syncExplanation(of: "t-2")?.status == "leased, leased 2 times")
            #expect(try store.syncExplanation(of: "t-2")?.text == nil)
            let stopped = try #require(try await store.explanation(of: "t-3"))
            #expect(stopped.status == "suppressed by policy contact-cap" && stopped.text == "stopped\n")
            #expect(try await store.explanation(of: "t-1")?.status == one.status)
            #expect(try await store.explanation(of: "nope") == nil)
            let suppressed = try await store.suppressedTasks(assigneePrefixes: ["queue:"], limit: 10)
            #expect(suppressed.map(\.record.id) == ["t-3"] && suppressed.map(\.policy) == ["contact-cap"])
            #expect(try await store.suppressedTasks(assigneePrefixes: ["crm:"], limit: 10).isEmpty)
        }
    }

    @Test func theProbeCountsTasksAndSaysWhatTheStoreIs() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let fresh = await store.health()
            #expect(fresh.kind == "postgresql")
            #expect(fresh.location == "\(database.server.host):\(database.server.port)/\(database.name)")
            #expect(fresh.lastCommit == nil && fresh.lastError == nil)
            #expect((fresh.sizeBytes ?? 0) > 0)
            #expect(await store.isAvailable())
            #expect(store.storageProblem == nil)

            let before = Date()
            try store.commit(Commit(changes: StateChanges(clock: F.nine), tasks: [
                .created(F.task("t-due")), .created(F.task("t-later", notBefore: F.nine + .hours(3))),
                .created(F.task("t-soon", notBefore: F.nine + .minutes(30))),
                .expiredOnArrival(F.task("t-eoa", expiresAt: F.nine)),
                .created(F.task("t-ack1")), .created(F.task("t-ack2")), .created(F.task("t-written")),
            ]))
            try store.markTasks(["t-written"], as: .written, at: F.nine)
            _ = try store.queueDueTasks(assigneePrefixes: [""], at: F.nine)
            let terms = LeaseTerms(duration: .seconds(300), maxAttempts: 3)
            #expect(try await store.lease(assigneePrefixes: [""], limit: 10, holder: "crm", terms: terms, at: F.nine).count == 3)
            _ = try await store.ack(taskID: "t-ack1", leaseID: nil, outcome: .done, note: nil, scope: [""], at: F.nine)
            _ = try await store.ack(taskID: "t-ack2", leaseID: nil, outcome: .rejected, note: "no", scope: [""], at: F.nine)

            let tally = try await store.taskTally(at: F.nine + .minutes(45))
            #expect(tally.byDelivery == [.pending: 2, .expired: 1, .written: 1, .leased: 1, .acked: 2])
            #expect(tally.deferred == 1)
            #expect(tally.acked == ["done": 1, "rejected": 1])
            #expect(tally.expiredOnArrival == 1)
            #expect(try await store.taskTally(at: nil).deferred == 2, "no clock: every task with a not_before")
            #expect(try await store.taskCounts() == tally.byDelivery)

            let committed = await store.health()
            let last = try #require(committed.lastCommit)
            #expect(abs(Double(last.milliseconds) / 1000 - before.timeIntervalSince1970) < 60)
            // A failing barrier: nothing is written and the store names the error.
            struct DiskFull: Error, CustomStringConvertible { var description: String { "the disk is full" } }
            #expect(throws: DiskFull.self) {
                _ = try store.startCommit(Commit(changes: StateChanges(clock: F.nine + .hours(9))),
                    after: { throw DiskFull() }).wait()
            }
            #expect(await store.health().lastError == "the disk is full")
            #expect(try store.snapshot().clock == F.nine)
        }
    }
}
