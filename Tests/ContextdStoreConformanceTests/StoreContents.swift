import ContextdEngine
import ContextdEvents
import ContextdStore

/// Everything a store answers through every role about the keys a test wrote: what must be
/// the same before and after a restart, and what a fresh store answers with nothing.
struct StoreContents: Equatable, Sendable {
    /// What the test asks about: the spools and files, subjects and task ids it wrote, and
    /// the clock and assignee scope to ask at.
    struct Keys: Sendable {
        var files: [(spool: String, file: String)] = []
        var subjects: [String] = []
        var taskIDs: [String] = []
        var clock: Timestamp
        var scope: [String] = [""]
    }

    struct FileRead: Equatable, Sendable {
        var rejects: [EventRejection]
        var lateEvents: [EventRejection]
    }

    var snapshot: SnapshotRead
    var snapshotWithoutContexts: SnapshotRead
    var storedContexts: [String: EntityContext?]
    var committedContexts: [String: EntityContext?]
    var progress: [String: [String: FileProgress]]
    var files: [String: FileRead]
    var tasksByDelivery: [TaskDelivery: [StoredTaskRead]]
    var dueTasks: [StoredTaskRead]
    var nextDue: Timestamp?
    var explanations: [String: ExplanationRead?]
    var asyncExplanations: [String: ExplanationRead?]
    var browsed: [BrowsedTaskRead]
    var browsedByID: [String: BrowsedTaskRead?]
    var suppressed: [SuppressedTaskRead]
    var pendingOutcomes: [PendingOutcomeRead]
    var deadLetters: [TaskStateRead]
    var nextLeaseEnd: Timestamp?
    var tally: StoredTaskTally
    var counts: [TaskDelivery: Int]
    var asyncCounts: [TaskDelivery: Int]

    /// Reads it all from `store`.
    static func read(_ store: any DaemonStore, _ keys: Keys) async throws -> StoreContents {
        var progress: [String: [String: FileProgress]] = [:]
        var files: [String: FileRead] = [:]
        for (spool, file) in keys.files {
            progress[spool] = try store.progress(spool: spool)
            files[spool + "/" + file] = FileRead(
                rejects: try store.rejects(spool: spool, file: file), lateEvents: try store.lateEvents(spool: spool, file: file))
        }
        var storedContexts: [String: EntityContext?] = [:]
        var committedContexts: [String: EntityContext?] = [:]
        for subject in keys.subjects {
            storedContexts[subject] = .some(try store.storedContext(of: subject))
            committedContexts[subject] = .some(try await store.committedContext(of: subject))
        }
        var explanations: [String: ExplanationRead?] = [:]
        var asyncExplanations: [String: ExplanationRead?] = [:]
        var browsedByID: [String: BrowsedTaskRead?] = [:]
        for id in keys.taskIDs {
            explanations[id] = .some(try (store as any StateStore).explanation(of: id).map(ExplanationRead.init))
            asyncExplanations[id] = .some(try await (store as any TaskBrowser).explanation(of: id).map(ExplanationRead.init))
            browsedByID[id] = .some(try await store.browsedTask(id: id, scope: keys.scope).map(BrowsedTaskRead.init))
        }
        var tasksByDelivery: [TaskDelivery: [StoredTaskRead]] = [:]
        for delivery in TaskDelivery.allCases {
            tasksByDelivery[delivery] = try store.tasks(in: delivery).map(StoredTaskRead.init)
        }
        return StoreContents(
            snapshot: SnapshotRead(try store.snapshot()),
            snapshotWithoutContexts: SnapshotRead(try store.snapshot(includingContexts: false)),
            storedContexts: storedContexts, committedContexts: committedContexts, progress: progress, files: files,
            tasksByDelivery: tasksByDelivery,
            dueTasks: try store.dueTasks(at: keys.clock, limit: 1_000).map(StoredTaskRead.init),
            nextDue: try store.nextDue(after: keys.clock),
            explanations: explanations, asyncExplanations: asyncExplanations,
            browsed: try await store.browseTasks(TaskBrowseQuery(scope: keys.scope, limit: 1_000)).tasks
                .map(BrowsedTaskRead.init),
            browsedByID: browsedByID,
            suppressed: try await store.suppressedTasks(assigneePrefixes: keys.scope, limit: 1_000)
                .map(SuppressedTaskRead.init),
            pendingOutcomes: try store.pendingOutcomes(limit: 1_000).map(PendingOutcomeRead.init),
            // Far enough before any lease's end that listing them ends none.
            deadLetters: try await store.deadLetters(
                assigneePrefixes: keys.scope, limit: 1_000, terms: LeaseTerms(), at: Timestamp(milliseconds: 0)
            ).map(TaskStateRead.init),
            nextLeaseEnd: try await store.nextLeaseEnd(),
            tally: try await store.taskTally(at: keys.clock),
            counts: try (store as any StateStore).taskCounts(),
            asyncCounts: try await (store as any StoreHealthProbe).taskCounts())
    }
}
