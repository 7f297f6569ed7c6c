import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Dispatch
import Synchronization
import Testing

/// While a commit is in flight (its barrier still running: the outbox's files not yet on
/// disk), the engine's read-back, the console and the probe answer at once, from the last
/// commit: the engine never lets go of a context the commit in flight holds (decision 0009),
/// and `/readyz` or a console page must not stall behind the loop (decision 0016).
@Suite(.blocksAThread) struct CommitInFlightTests {
    static let nine = SampleRows.nine

    /// How long the barrier holds the commit before giving up: a read that waits for the
    /// commit waits this long, and the test fails instead of hanging.
    static let patience = DispatchTimeInterval.seconds(20)

    @Test(arguments: StoreBackend.all)
    func readsAnswerFromTheLastCommitWhileTheNextOneIsInFlight(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            var first = StateChanges(clock: Self.nine)
            first.contexts = [SampleRows.context("cust-1", balance: 1)]
            try db.commit(Commit(changes: first, tasks: [.created(SampleRows.task("t-1"))],
                explanations: [TaskExplanation(taskID: "t-1", text: "first", appends: false)]))

            let entered = DispatchSemaphore(value: 0), proceed = DispatchSemaphore(value: 0)
            let timedOut = Mutex(false)
            var second = StateChanges(clock: Self.nine + .minutes(1))
            second.contexts = [SampleRows.context("cust-1", balance: 2)]
            let pending = db.startCommit(
                Commit(changes: second, tasks: [.created(SampleRows.task("t-2"))]),
                after: {
                    entered.signal()
                    if proceed.wait(timeout: .now() + Self.patience) == .timedOut { timedOut.withLock { $0 = true } }
                })
            #expect(entered.wait(timeout: .now() + Self.patience) == .success, "the barrier ran")

            // Each of these answers while the barrier holds the commit, with the first commit's rows.
            #expect(try db.storedContext(of: "cust-1") == SampleRows.context("cust-1", balance: 1))
            #expect(try await db.committedContext(of: "cust-1") == SampleRows.context("cust-1", balance: 1))
            #expect(try await db.browseTasks(TaskBrowseQuery(scope: [""])).tasks.map(\.record.id) == ["t-1"])
            #expect(try await db.browsedTask(id: "t-2", scope: [""]) == nil)
            #expect(try await (db as any TaskBrowser).explanation(of: "t-1")?.text == "first")
            #expect(await db.isAvailable())
            #expect(await db.health().kind == backend.kind)
            #expect(try await db.taskTally(at: Self.nine).byDelivery == [.pending: 1])
            #expect(try await (db as any StoreHealthProbe).taskCounts() == [.pending: 1])
            proceed.signal()

            #expect(try pending.wait().notStaged.isEmpty)
            #expect(!timedOut.withLock { $0 }, "no read waited for the commit in flight")
            #expect(try db.storedContext(of: "cust-1") == SampleRows.context("cust-1", balance: 2))
            #expect(try await (db as any StoreHealthProbe).taskCounts() == [.pending: 2])
        }
    }
}
