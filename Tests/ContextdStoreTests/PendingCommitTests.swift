import ContextdStore
import Testing

/// ``PendingCommit/duration``: what `contextd_commit_seconds` records for each group commit,
/// whatever the backend (the backends only create the commit and finish it).
@Suite struct PendingCommitTests {
    struct Refused: Error {}

    @Test func theDurationRunsFromCreationToFinishAndIsKeptForAFailureToo() throws {
        let before = ContinuousClock.now
        let pending = PendingCommit()
        #expect(pending.duration == nil, "not finished yet")
        pending.finish(.success(CommitReceipt(notStaged: ["t1"])))
        let after = ContinuousClock.now
        let took = try #require(pending.duration)
        #expect(took <= before.duration(to: after), "within the span around creation and finish")
        #expect(try pending.wait().notStaged == ["t1"])
        #expect(pending.duration == took, "read again after the wait: the same")

        let failed = PendingCommit()
        failed.finish(.failure(Refused()))
        #expect(failed.duration != nil, "a failed commit took time too")
        #expect(throws: Refused.self) { try failed.wait() }
    }
}
