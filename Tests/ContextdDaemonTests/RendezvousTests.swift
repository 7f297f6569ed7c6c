@testable import ContextdDaemon
import Testing

/// Rendezvous hashing: every partition gets one owner, the shares are even, and a node joining
/// or leaving moves only the partitions it must.
@Suite struct RendezvousTests {
    static let nodes = ["contextd-a", "contextd-b", "contextd-c"]

    @Test func everyPartitionHasOneOwnerAndTheSharesAreEven() {
        let shares = Self.nodes.map { Rendezvous.partitions(of: $0, among: Self.nodes, count: 64) }
        #expect(shares.map(\.count).reduce(0, +) == 64)
        #expect(shares[0].isDisjoint(with: shares[1]) && shares[1].isDisjoint(with: shares[2])
            && shares[0].isDisjoint(with: shares[2]))
        // 64 / 3 ≈ 21: no node gets fewer than 12 or more than 30 (measured: 20, 22, 22).
        #expect(shares.allSatisfy { (12...30).contains($0.count) }, "\(shares.map(\.count))")
    }

    @Test func aNodeJoiningTakesOnlyWhatBecomesItsOwn() {
        let before = Dictionary(uniqueKeysWithValues: (0..<64).map { ($0, Rendezvous.owner(of: $0, among: Self.nodes)!) })
        let after = Dictionary(uniqueKeysWithValues: (0..<64).map {
            ($0, Rendezvous.owner(of: $0, among: Self.nodes + ["contextd-d"])!)
        })
        let moved = (0..<64).filter { before[$0] != after[$0] }
        #expect(moved.allSatisfy { after[$0] == "contextd-d" }, "only partitions going to the new node move")
        #expect((8...24).contains(moved.count), "about a quarter moves: \(moved.count)")
    }

    @Test func aNodeLeavingGivesAwayOnlyItsOwn() {
        let before = (0..<64).map { Rendezvous.owner(of: $0, among: Self.nodes)! }
        let after = (0..<64).map { Rendezvous.owner(of: $0, among: ["contextd-a", "contextd-c"])! }
        for partition in 0..<64 where before[partition] != "contextd-b" {
            #expect(after[partition] == before[partition])
        }
        #expect(!after.contains("contextd-b"))
    }

    @Test func theAnswerIsTheSameInAnyOrderAndWithNoNodeThereIsNone() {
        for partition in 0..<64 {
            #expect(Rendezvous.owner(of: partition, among: Self.nodes)
                == Rendezvous.owner(of: partition, among: Self.nodes.reversed()))
        }
        #expect(Rendezvous.owner(of: 3, among: []) == nil)
        // Pinned values (computed apart, in Python): a change of the hash would reassign the
        // partitions of every running cluster at its next upgrade.
        #expect(Rendezvous.weight(node: "contextd-a", partition: 0) == 6_965_564_446_362_177_756)
        #expect(Rendezvous.weight(node: "contextd-b", partition: 7) == 2_786_790_067_126_375_110)
        #expect((0..<8).map { Rendezvous.owner(of: $0, among: Self.nodes)! } == [
            "contextd-c", "contextd-b", "contextd-b", "contextd-c", "contextd-c", "contextd-a", "contextd-a", "contextd-a",
        ])
    }
}
