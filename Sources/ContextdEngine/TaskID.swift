/// Deterministic task ids: the same inputs and rules give the same id in `replay`, `test` and
/// the daemon, across processes (so not Swift's per-process seeded `Hasher`).
enum TaskID {
    /// `t-` and 16 hex digits of a 64-bit FNV-1a hash over the parts, separated by NUL.
    static func make(_ parts: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (index, part) in parts.enumerated() {
            if index > 0 { hash = (hash ^ 0) &* 0x0000_0100_0000_01b3 }
            for byte in part.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        // Final avalanche (splitmix64) so that ids of similar inputs do not share prefixes.
        hash ^= hash >> 30
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash = hash &* 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        let hex = String(hash, radix: 16)
        return "t-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
