import ContextdEngine
import ContextdEvents
import Testing

/// ``Swift/Array/foldingReleases()``: a commit carries each task in its final form.
@Suite struct TaskChangeFinalFormTests {
    static func task(_ id: String, notBefore: String?) -> TaskRecord {
        TaskRecord(
            id: id, rule: "r", subject: "s", assignee: "a", priority: 50, what: "w", where: "crm_task", how: [], why: "y",
            scores: [:], evidence: [], createdAt: Timestamp(rfc3339: "2026-11-20T08:01:00Z")!,
            notBefore: notBefore.flatMap { Timestamp(rfc3339: $0) }, expiresAt: nil,
            deferredBy: notBefore == nil ? nil : "defer-on-mobile", tags: [], data: [:])
    }

    @Test func aReleaseOfATaskCreatedInTheSameListReplacesTheCreation() {
        let deferred = Self.task("t-1", notBefore: "2026-11-20T11:01:00Z")
        let released = Self.task("t-1", notBefore: "2026-11-20T08:02:00Z")
        let other = Self.task("t-2", notBefore: nil)
        let folded = [TaskChange.created(deferred), .created(other), .released(released)].foldingReleases()
        #expect(folded == [.created(released), .created(other)])
    }

    @Test func aReleaseOfATaskCreatedEarlierStaysARelease() {
        let released = Self.task("t-1", notBefore: "2026-11-20T08:02:00Z")
        let suppressed = TaskChange.suppressed(Self.task("t-3", notBefore: nil), policy: "dedup")
        #expect([suppressed, .released(released)].foldingReleases() == [suppressed, .released(released)])
    }
}
