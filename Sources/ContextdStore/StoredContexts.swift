public import ContextdEngine

/// The daemon engine's ``ContextSource``: the entity contexts it let go of are in the store.
///
/// The engine cannot take an error in the middle of an event, so a failed read is kept here
/// and the engine sees no stored context. ``check()`` throws it, and the daemon calls it
/// before every commit: what the engine did on an empty context is never committed over the
/// stored one, and the daemon stops instead (a restart redoes the uncommitted batch).
///
/// Backend-neutral: it reads through ``EngineStateStore/storedContext(of:)``, which no backend
/// may make wait for the commit in flight (decision 0009).
public final class StoredContexts: ContextSource {
    let store: any EngineStateStore
    /// The first read that failed since the last ``check()``.
    public private(set) var failure: (any Error)?
    /// Contexts read back from the store (for the metrics).
    public private(set) var reads = 0

    public init(store: any EngineStateStore) {
        self.store = store
    }

    public func storedContext(of subject: String) -> EntityContext? {
        reads += 1
        do {
            return try store.storedContext(of: subject)
        } catch {
            if failure == nil { failure = error }
            return nil
        }
    }

    /// Throws the first failed read, if any.
    public func check() throws {
        if let failure { throw failure }
    }
}
