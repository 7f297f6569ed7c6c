import ContextdEngine
import ContextdStore

/// Partitions a node holds that stand at the same log position, and the engine that holds
/// their state.
///
/// Why cohorts: every partition's state must follow the log one position at a time, with the
/// global clock of that position. Partitions a node owns from the start stand together and one
/// engine serves them all. A partition taken over stands where its previous owner's last commit
/// left it, usually behind (or ahead of) the others: it gets an engine of its own, restored
/// from the store at its position, which catches up; once two cohorts stand at the same
/// position they become one (``Pipeline`` merges them by restoring one engine for both).
final class Cohort {
    /// Partition → the epoch this node holds its lease at.
    var leases: [Int: Int64]
    /// The last position applied to ``engine``.
    var position: Int64
    /// The last position a commit of this cohort carried (below ``position`` while slices that
    /// moved only the clock wait for the next commit).
    var committed: Int64
    let engine: Engine
    /// The fingerprint of the cluster's rules its engine runs: those in force at ``position``.
    var rules: String
    /// What its steps that reach other partitions wait for; nil when none do.
    var watermark: PartitionWatermark?
    /// Log entries read and decoded for it but not applied yet (``LogEvaluation``).
    var readAhead: [LogEvaluation.Step] = []

    init(leases: [Int: Int64], position: Int64, engine: Engine, rules: String) {
        self.leases = leases
        self.position = position
        self.committed = position
        self.engine = engine
        self.rules = rules
    }

    var partitions: Set<Int> { Set(leases.keys) }

    func owning(count: Int) -> LogEvaluation.OwnedPartitions {
        LogEvaluation.OwnedPartitions(count: count, partitions: partitions)
    }

    func fence(_ membership: Membership) -> CommitFence {
        CommitFence(node: membership.identity.node, incarnation: membership.incarnation,
            leases: leases.sorted { $0.key < $1.key }.map { PartitionEpoch(partition: $0.key, epoch: $0.value) },
            position: position, clock: engine.clock, nextTimer: engine.nextTimer)
    }
}
