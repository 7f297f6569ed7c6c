import Foundation

/// Tells a node waiting for other partitions (``PartitionWatermark``) that something moved:
/// the log's LISTEN connection signals it at every notification (an append, a tick, another
/// node's commit). The waiting node then looks at the partitions' progress once, instead of
/// asking the server again and again: on a machine with few cores, nodes that poll take the
/// processor from the one node that can go on.
final class ProgressSignal: @unchecked Sendable {
    private let condition = NSCondition()
    /// Incremented at each signal; guarded by `condition`.
    private var count = 0

    /// The number of signals so far: what a waiter passes to ``wait(beyond:until:)``.
    var generation: Int {
        condition.lock()
        defer { condition.unlock() }
        return count
    }

    func signal() {
        condition.lock()
        count += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until a signal came after `generation`, or `deadline` passed. True when one came.
    @discardableResult
    func wait(beyond generation: Int, until deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count == generation {
            if !condition.wait(until: deadline) { return count != generation }
        }
        return true
    }
}
