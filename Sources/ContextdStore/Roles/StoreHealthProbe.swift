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
}
