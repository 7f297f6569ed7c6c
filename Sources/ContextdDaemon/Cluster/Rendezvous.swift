/// Which node should own which partition: rendezvous (highest random weight) hashing over the
/// live nodes (docs/decisions/0018-several-nodes.md §2, "Assignment").
///
/// Why this scheme: every node computes the same answer from the same list of live nodes,
/// with no coordinator; a node joining takes about 1/n of the partitions from the others and a
/// node leaving gives its own to the rest, nothing else moves (Kafka's cooperative, sticky
/// rebalancing has the same aim); and a node that restarts gets its partitions back.
enum Rendezvous {
    /// The node that should own `partition`, among `nodes` (nil when there is none).
    static func owner(of partition: Int, among nodes: some Sequence<String>) -> String? {
        var best: (node: String, weight: UInt64)?
        for node in nodes {
            let weight = self.weight(node: node, partition: partition)
            // Ties (astronomically rare) go to the smaller id, so every node agrees.
            if best.map({ weight > $0.weight || (weight == $0.weight && node < $0.node) }) ?? true {
                best = (node, weight)
            }
        }
        return best?.node
    }

    /// The partitions of `count` that `node` should own among `nodes` (`node` included).
    static func partitions(of node: String, among nodes: [String], count: Int) -> Set<Int> {
        Set((0..<count).filter { owner(of: $0, among: nodes) == node })
    }

    /// FNV-1a (64 bits) of the node id, a separator and the partition number, then a final mix
    /// (splitmix64's) so that nearby partitions get unrelated weights: the same in every process.
    static func weight(node: String, partition: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in node.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        hash ^= 0x1f
        hash = hash &* 0x0000_0100_0000_01b3
        var value = hash ^ UInt64(truncatingIfNeeded: partition)
        value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
        return value ^ (value >> 31)
    }
}
