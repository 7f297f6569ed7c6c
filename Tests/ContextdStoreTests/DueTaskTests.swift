import ContextdEngine
import ContextdEvents
import ContextdStore
import Foundation
import Testing

/// Which task is due is defined once, by `TaskRecord.isDue(at:)` (decision 0016); a backend
/// that selects due rows in SQL must select exactly those. Checked here for SQLite, through
/// the roles, over every combination of `not_before` and `expires_at` around the due time.
@Suite struct DueTaskTests {
    static let time = Timestamp(milliseconds: 1_800_000_000_000)

    /// `not_before` absent, before or after creation, each with no expiry or one a second
    /// before, at, or a second after the due time.
    static let tasks: [TaskRecord] = {
        var tasks: [TaskRecord] = []
        for (n, notBefore) in [nil, time - .seconds(30), time + .seconds(60)].enumerated() {
            let dueAt = notBefore ?? time
            for (e, expiresAt) in [nil, dueAt - .seconds(1), dueAt, dueAt + .seconds(1)].enumerated() {
                tasks.append(TaskRecord(
                    id: "t-\(n)-\(e)", rule: "r", subject: "s-\(n)-\(e)", assignee: "user-7",
                    priority: Double(10 * n + e), what: "Call", where: "phone", how: [], why: "w", scores: [:],
                    evidence: [], createdAt: time,
                    notBefore: notBefore, expiresAt: expiresAt, deferredBy: notBefore == nil ? nil : "r", tags: [],
                    data: [:]))
            }
        }
        return tasks
    }()

    @Test func theStoreSelectsExactlyTheTasksTheRecordSaysAreDue() throws {
        let (sqlite, directory) = try GroupCommitTests.temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store: any EngineStateStore & OutboxLedger = sqlite
        try store.commit(Commit(changes: StateChanges(clock: Self.time), tasks: Self.tasks.map(TaskChange.created)))

        for clock in [Self.time - .seconds(31), Self.time, Self.time + .seconds(59), Self.time + .seconds(61)] {
            let selected = Set(try store.dueTasks(at: clock, limit: 100).map(\.record.id))
            let expected = Set(Self.tasks.filter { $0.isDue(at: clock) }.map(\.id))
            #expect(selected == expected, "at \(clock.milliseconds)")
        }
        // The two halves of the rule: due and kept, or due and stopped by its own expiry.
        let end = Self.time + .seconds(61)
        #expect(Self.tasks.filter { $0.isDue(at: end) }.count == 6)
        #expect(try store.expireTasks(at: end) == Self.tasks.filter { $0.dueAt <= end && $0.expiresBeforeDue }.count)
        #expect(try store.expireTasks(at: end) == 0)
        #expect(try store.dueTasks(at: end, limit: 100).count == 6, "expiring took none of the due tasks")
    }

    /// A deferred task released early takes the release's due time, and with it whether it
    /// expires before it is due: held past its expiry it would only have expired; released
    /// before, it goes out.
    @Test func aTaskReleasedEarlyIsJudgedByItsNewDueTime() throws {
        let (sqlite, directory) = try GroupCommitTests.temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store: any EngineStateStore & OutboxLedger = sqlite
        var held = Self.tasks[0]
        held.id = "t-held"
        held.notBefore = Self.time + .seconds(60)
        held.expiresAt = Self.time + .seconds(30)
        held.deferredBy = "r"
        #expect(held.expiresBeforeDue)
        try store.commit(Commit(changes: StateChanges(clock: Self.time), tasks: [.created(held)]))
        #expect(try store.dueTasks(at: Self.time + .seconds(61), limit: 10).isEmpty)

        var released = held
        released.notBefore = Self.time + .seconds(10)
        #expect(!released.expiresBeforeDue)
        try store.commit(Commit(changes: StateChanges(clock: Self.time + .seconds(10)), tasks: [.released(released)]))
        #expect(try store.dueTasks(at: Self.time + .seconds(10), limit: 10).map(\.record.id) == ["t-held"])
        #expect(try store.expireTasks(at: Self.time + .seconds(10)) == 0)
    }
}
