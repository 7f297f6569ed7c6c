import ContextdStore
import Dispatch
import Testing

/// ``PendingCommit/duration``: what `contextd_commit_seconds` records for each group commit,
/// whatever the backend (the backends only create the commit and finish it).
@Suite struct PendingCommitTests {
    struct Refused: Error {}

    @Test func theDurationRunsFromCreationToFinishAndIsKeptForAFailureToo() throws {
        let before = DispatchTime.now().uptimeNanoseconds
        let pending = PendingCommit()
        #expect(pending.duration == nil, "not finished yet")
        pending.finish(.success(CommitReceipt(notStaged: ["t1"])))
        let after = DispatchTime.now().uptimeNanoseconds
        let took = try #require(pending.duration)
        #expect(took >= .zero)
        #expect(took <= .nanoseconds(Int64(after - before)), "within the span around creation and finish")
        #expect(try pending.wait().notStaged == ["t1"])
        #expect(pending.duration == took, "read again after the wait: the same")

        let failed = PendingCommit()
        failed.finish(.failure(Refused()))
        #expect(failed.duration != nil, "a failed commit took time too")
        #expect(throws: Refused.self) { try failed.wait() }
    }
}
