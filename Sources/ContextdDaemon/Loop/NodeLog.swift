import ContextdEvents
import ContextdStore

/// What the loop of a node on the event log keeps (docs/decisions/0018-several-nodes.md §1):
/// its two stages, and how far the engine got.
///
/// The engine applies the log, never a file: a claimed file is appended whole (``LogIngest``)
/// and leaves `cur/` at once, and the engine is fed the log in position order
/// (``LogEvaluation``), each slice committed with the last position it applied. So what the
/// daemon did is exactly what `contextd replay` of `contextd log export` does.
struct NodeLog {
    let log: any EventLog
    let ingest: LogIngest
    let evaluation: LogEvaluation
    /// The node's membership, leases and cohorts.
    let cluster: NodeCluster
    /// When this node last appended a tick (wall clock), so that an idle node steps the log's
    /// clock about once per ``tickInterval``, not at every wake.
    var lastTick: Timestamp?
    /// When this node last pruned the log (wall clock).
    var lastPrune: Timestamp?

    /// The shortest time between two ticks of an idle node, unless a timer or a deferred task
    /// is due: then the tick goes at once.
    static let tickInterval = TimeSpan.seconds(1)

    /// At most this many files are appended before the engine is fed again: a burst of small
    /// files reaches the outbox in steps, not after the whole burst is in the log.
    static let filesPerStep = 64

    /// How often the holder of partition 0 prunes the log (``EventLog/pruneLog(before:)``).
    static let pruneInterval = TimeSpan.minutes(1)
}
