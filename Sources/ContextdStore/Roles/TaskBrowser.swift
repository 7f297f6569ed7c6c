public import ContextdEngine

/// Reads for people: the console's task list, a task's page, a subject's committed context,
/// the candidates policies stopped, and why a task exists (`contextd explain`, `GET
/// /v1/tasks/{id}`).
///
/// Apart from ``TaskQueue`` because none of it changes a row: a backend may serve it from a
/// replica or a reader connection, never from the connection the loop commits through, and
/// each read is bounded to one page so that a browser cannot slow the daemon.
public protocol TaskBrowser: AnyObject, Sendable {
    /// The newest tasks matching `query`, at most `query.limit`, newest first, and where the
    /// next page starts.
    func browseTasks(_ query: TaskBrowseQuery) async throws -> TaskBrowsePage

    /// The task `id` when its assignee is under `scope`; nil when there is none or it is
    /// outside (the console must not tell the two apart).
    func browsedTask(id: String, scope: [String]) async throws -> BrowsedTask?

    /// The context last committed for `subject`; nil when none is.
    func committedContext(of subject: String) async throws -> EntityContext?

    /// The most recent candidates stopped by a policy, for assignees under `prefixes`.
    func suppressedTasks(assigneePrefixes prefixes: [String], limit: Int) async throws -> [SuppressedTask]

    /// A task, or a candidate a policy stopped, and the explanation kept with it; nil when unknown.
    func explanation(of taskID: String) async throws -> StoredExplanation?
}
