/// Where an engine that keeps only a working set of entity contexts in memory finds the
/// others: the daemon's store.
///
/// The engine itself does no I/O; a source is how an adapter lends it the one read it needs,
/// the context of an entity it let go of (``Engine/trimContexts(keeping:)``). Without a source
/// (`replay`, `test`) the engine holds every context it ever folded.
public protocol ContextSource: AnyObject {
    /// The stored context of `subject`; nil when none is stored (an entity not seen before).
    ///
    /// A source that fails to read must not let the engine go on as if nothing were stored:
    /// it keeps the failure, and its owner refuses to commit what the engine did since (an
    /// empty context would overwrite the stored one).
    func storedContext(of subject: String) -> EntityContext?
}
