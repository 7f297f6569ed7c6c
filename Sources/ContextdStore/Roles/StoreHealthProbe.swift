public import ContextdEvents

/// A store that can describe itself: the probe behind `/readyz`, `/metrics` and `/v1/status`.
///
/// Its own role because every answer must come without waiting behind the loop's commits and
/// without throwing at the caller where a failure is itself the answer (`/readyz` says "the
/// store does not answer", `/v1/status` shows the last error). Nothing above the store learns
/// which database it is: ``StoreHealth/kind`` says so in one word.
public protocol StoreHealthProbe: Sendable {
    /// Size, last commit, last error; never throws (a failure to look is itself the last error).
    func health() async -> StoreHealth
    /// Tasks by state; `deferred` against `clock` (the engine's).
    func taskTally(at clock: Timestamp?) async throws -> StoredTaskTally
    /// Tasks by delivery state (`/metrics`), waiting without holding a thread of the server.
    func taskCounts() async throws -> [TaskDelivery: Int]
    /// Whether the database answers a query: what `/readyz` asks.
    func isAvailable() async -> Bool
    /// What happened to the storage under the store since it was opened, in words; nil when
    /// nothing did (always nil for a server database). SQLite: its file deleted or replaced,
    /// which would take every later commit into a file nobody reads again. A backend with
    /// something to say here also refuses every commit (``StorageProblem``); `/readyz` and the
    /// loop ask it without waiting for one.
    var storageProblem: String? { get }
}
