import ContextdEngine
import ContextdEvents
import ContextdStore
import Foundation
import ContextdTestKit
import Testing

/// No two pollers ever hold the same task, however many ask at once, and of concurrent acks
/// and releases of one lease exactly one wins: the promise a backend with several connections
/// (PostgreSQL) keeps by its transactions rather than by SQLite's single writer.
@Suite(.blocksAThread) struct LeaseConcurrencyTests {
    static let nine = SampleRows.nine
    static let terms = LeaseTerms(duration: .seconds(300), maxAttempts: 5)

    /// 200 queued tasks, 20 pollers asking for 16 each at the same instant.
    @Test(arguments: StoreBackend.all)
    func concurrentLeasesNeverHandATaskToTwoHolders(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let tasks = (0..<200).map { SampleRows.task(String(format: "t-%03d", $0), priority: Double($0 % 7)) }
            try db.commit(Commit(changes: StateChanges(clock: Self.nine), tasks: tasks.map(TaskChange.created)))
            #expect(try db.queueDueTasks(assigneePrefixes: ["queue:"], at: Self.nine) == 200)

            let leases = try await withThrowingTaskGroup(of: (String, [LeasedTask]).self) { group in
                for poller in 0..<20 {
                    group.addTask {
                        let holder = "poller-\(poller)"
                        return (holder, try await db.lease(
                            assigneePrefixes: ["queue:"], limit: 16, holder: holder, terms: Self.terms, at: Self.nine))
                    }
                }
                return try await group.reduce(into: [(String, [LeasedTask])]()) { $0.append($1) }
            }
            let ids = leases.flatMap { $0.1.map(\.record.id) }
            #expect(ids.count == 200, "every task leased once")
            #expect(Set(ids).count == ids.count, "no task leased twice")
            #expect(leases.allSatisfy { $0.1.count <= 16 })
            #expect(Set(leases.flatMap { $0.1.map(\.leaseID) }).count == 200)
            // Each holder is the one the store names.
            for (holder, leased) in leases {
                for task in leased.prefix(2) {
                    #expect(try await db.browsedTask(id: task.record.id, scope: [""])?.leaseHolder == holder)
                }
            }
            #expect(try await db.lease(assigneePrefixes: [""], limit: 16, holder: "late", terms: Self.terms, at: Self.nine).isEmpty)
            #expect(try await db.taskTally(at: Self.nine).byDelivery == [.leased: 200])
        }
    }

    /// Eight acks and eight releases of one lease at once: one wins, the rest are refused.
    @Test(arguments: StoreBackend.all)
    func ofConcurrentAcksAndReleasesOfOneLeaseExactlyOneWins(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let tasks = (0..<10).map { SampleRows.task("t-\($0)") }
            try db.commit(Commit(changes: StateChanges(clock: Self.nine), tasks: tasks.map(TaskChange.created)))
            _ = try db.queueDueTasks(assigneePrefixes: [""], at: Self.nine)
            let leased = try await db.lease(assigneePrefixes: [""], limit: 10, holder: "h", terms: Self.terms, at: Self.nine)
            #expect(leased.count == 10)

            for (round, task) in leased.enumerated() {
                let id = task.record.id, lease = task.leaseID
                let answers = try await withThrowingTaskGroup(of: (Bool, QueueAnswer).self) { group in
                    for caller in 0..<16 {
                        group.addTask {
                            let at = Self.nine + .seconds(1)
                            if (caller + round) % 2 == 0 {
                                return (true, try await db.ack(taskID: id, leaseID: lease, outcome: .done, note: "\(caller)",
                                    scope: [""], at: at).read)
                            }
                            return (false, try await db.release(taskID: id, leaseID: lease, scope: [""], terms: Self.terms,
                                at: at).read)
                        }
                    }
                    return try await group.reduce(into: [(Bool, QueueAnswer)]()) { $0.append($1) }
                }
                let wins = answers.filter { if case .success = $0.1 { true } else { false } }
                #expect(wins.count == 1, "\(id): \(answers)")
                guard let first = wins.first, case .success(let state) = first.1 else { continue }
                let acked = first.0
                let refusal: LeaseRefusal = acked ? .alreadyAcked(outcome: "done") : .leaseExpired
                #expect(answers.filter { if case .failure(refusal) = $0.1 { true } else { false } }.count == 15,
                    "\(id): every other caller told why: \(answers)")
                let stored = try #require(try await db.browsedTask(id: id, scope: [""]))
                #expect(stored.delivery == state.delivery && stored.note == state.note)
                #expect(state.delivery == (acked ? .acked : .queued))
            }
            let acks = try await db.taskTally(at: Self.nine).byDelivery[.acked] ?? 0
            #expect(try db.pendingOutcomes(limit: 100).count == acks, "one outcome per winning ack")
        }
    }
}
