import ContextdEngine
import ContextdEvents
import ContextdStore

/// Tasks over every combination of `not_before` and `expires_at` around the due time: what
/// `MigrationTests` checks an upgraded SQLite store selects as due. The same check for every
/// backend is the conformance suite's (`OutboxLedgerTests`).
enum DueTaskTests {
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
}
