import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Testing

/// A store opened on nothing holds nothing, through every role, and opening it again (its
/// migrations run a second time over data that has them) changes nothing. From an older SQLite
/// schema: `Tests/ContextdStoreTests/OlderSchemaTests.swift`.
@Suite(.blocksAThread) struct FreshStoreTests {
    static let keys = StoreContents.Keys(
        files: [("cards", "a.jsonl")], subjects: ["cust-1"], taskIDs: ["t-1"], clock: SampleRows.nine)

    static func expectEmpty(_ contents: StoreContents, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(contents.snapshot == SnapshotRead(clock: nil), sourceLocation: sourceLocation)
        #expect(contents.snapshotWithoutContexts == SnapshotRead(clock: nil), sourceLocation: sourceLocation)
        #expect(contents.storedContexts == ["cust-1": nil], sourceLocation: sourceLocation)
        #expect(contents.committedContexts == ["cust-1": nil], sourceLocation: sourceLocation)
        #expect(contents.progress == ["cards": [:]], sourceLocation: sourceLocation)
        #expect(contents.files == ["cards/a.jsonl": .init(rejects: [], lateEvents: [])], sourceLocation: sourceLocation)
        #expect(contents.tasksByDelivery.count == TaskDelivery.allCases.count, sourceLocation: sourceLocation)
        #expect(contents.tasksByDelivery.values.allSatisfy { $0.isEmpty }, sourceLocation: sourceLocation)
        #expect(contents.dueTasks.isEmpty && contents.nextDue == nil, sourceLocation: sourceLocation)
        #expect(contents.explanations == ["t-1": nil], sourceLocation: sourceLocation)
        #expect(contents.asyncExplanations == ["t-1": nil], sourceLocation: sourceLocation)
        #expect(contents.browsed.isEmpty && contents.browsedByID == ["t-1": nil], sourceLocation: sourceLocation)
        #expect(contents.suppressed.isEmpty && contents.pendingOutcomes.isEmpty, sourceLocation: sourceLocation)
        #expect(contents.deadLetters.isEmpty && contents.nextLeaseEnd == nil, sourceLocation: sourceLocation)
        #expect(contents.tally == StoredTaskTally(), sourceLocation: sourceLocation)
        #expect(contents.counts.isEmpty && contents.asyncCounts.isEmpty, sourceLocation: sourceLocation)
    }

    @Test(arguments: StoreBackend.all)
    func aFreshStoreIsEmptyThroughEveryRoleAndStaysSoWhenReopened(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            Self.expectEmpty(try await StoreContents.read(db, Self.keys))
            #expect(await db.isAvailable())
            #expect(try db.forgetSeenEvents(before: SampleRows.nine) == 0)
            #expect(try db.forgetSuppressed(before: SampleRows.nine) == 0)
            #expect(try db.expireTasks(at: SampleRows.nine) == 0)
            #expect(try db.queueDueTasks(assigneePrefixes: [""], at: SampleRows.nine) == 0)
            #expect(try await db.lease(assigneePrefixes: [""], limit: 10, holder: "h", terms: LeaseTerms(), at: SampleRows.nine).isEmpty)
            let page = try await db.browseTasks(TaskBrowseQuery(scope: [""]))
            #expect(page.tasks.isEmpty && page.next == nil)

            try await store.reopen()
            Self.expectEmpty(try await StoreContents.read(store.store, Self.keys))
            try await store.reopen()
            Self.expectEmpty(try await StoreContents.read(store.store, Self.keys))
            #expect(await store.store.isAvailable())
        }
    }

    /// Retention: seen events and stopped candidates older than the horizon go, newer ones stay.
    @Test(arguments: StoreBackend.all)
    func retentionForgetsOnlyWhatIsOlderThanTheHorizon(_ backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let db = store.store
            let t = SampleRows.nine
            var changes = StateChanges(clock: t)
            changes.seenEvents = [SeenEvent(source: "a", id: "1", time: t - .days(8)),
                SeenEvent(source: "a", id: "2", time: t - .days(7)), SeenEvent(source: "b", id: "1", time: t)]
            try db.commit(Commit(changes: changes, tasks: [
                .suppressed(SampleRows.task("s-old", createdAt: t - .days(8)), policy: "dedup"),
                .suppressed(SampleRows.task("s-new", createdAt: t - .days(7)), policy: "dedup"),
            ], explanations: [TaskExplanation(taskID: "s-old", text: "old", appends: false),
                TaskExplanation(taskID: "s-new", text: "new", appends: false)]))
            #expect(try db.forgetSeenEvents(before: t - .days(7)) == 1)
            #expect(Set(try db.snapshot().seenEvents) == [SeenEvent(source: "a", id: "2", time: t - .days(7)),
                SeenEvent(source: "b", id: "1", time: t)])
            #expect(try db.forgetSuppressed(before: t - .days(7)) == 1)
            #expect(try (db as any StateStore).explanation(of: "s-old") == nil)
            #expect(try (db as any StateStore).explanation(of: "s-new").map(ExplanationRead.init)
                == ExplanationRead(SampleRows.task("s-new", createdAt: t - .days(7)), status: "suppressed by policy dedup", text: "new"))
        }
    }
}
