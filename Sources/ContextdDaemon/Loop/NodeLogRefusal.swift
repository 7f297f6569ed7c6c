public import ContextdEvents

/// Why a node cannot start on the event log; the daemon exits 78 with it (a configuration
/// or store the operator must change).
public enum NodeLogRefusal: Error, CustomStringConvertible {
    /// `cluster:` on a store without an event log (the configuration refuses it before; a
    /// store opened another way could still get here).
    case noEventLog
    /// The store holds engine state that no log position accounts for.
    case stateWithoutLog(clock: Timestamp)

    public var description: String {
        switch self {
        case .noEventLog:
            "'cluster' needs a PostgreSQL store, where the nodes share their event log"
        case .stateWithoutLog(let clock):
            """
            the store holds state (its clock is \(clock.rfc3339)) that a daemon built without the event log; \
            a cluster's tasks must be what replay of its log gives, which this state is not. Start the cluster \
            on a new database (replay the old spool files into it by dropping them into a node's spool), or \
            remove 'cluster' to go on alone
            """
        }
    }
}
