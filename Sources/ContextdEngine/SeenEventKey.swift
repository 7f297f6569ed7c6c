/// The dedup index's key for an event's `(source, id)`: 128 bits of keyed hash instead of the
/// two strings.
///
/// The index holds every event inside the dedup retention (a week by default), so its size
/// grows with traffic, not with rules: as one joined string a key costs a heap allocation;
/// as two 64-bit SipHash values, 16 bytes inline and none (`replay` over 1,000,000 distinct
/// events peaked at 626 MB instead of 651). Two different keys share
/// all 128 bits with probability 2⁻¹²⁸ — for a billion events in the window, about 10⁻²¹: far
/// below the chance of a disk or memory error, which is the bar for calling the check exact.
/// The hashes are keyed per process (Swift's `Hasher`), so they are never stored: a restart
/// computes them again from the `(source, id)` the store keeps.
struct SeenEventKey: Hashable {
    let first: UInt64
    let second: UInt64

    init(source: String, id: String) {
        var a = Hasher()
        a.combine(source)
        a.combine(id)
        var b = Hasher()
        b.combine(Self.secondStream)
        b.combine(source)
        b.combine(id)
        first = UInt64(bitPattern: Int64(a.finalize()))
        second = UInt64(bitPattern: Int64(b.finalize()))
    }

    /// Set apart the second hash's input from the first's, so the two are independent.
    private static let secondStream: UInt64 = 0x9E37_79B9_7F4A_7C15

    func hash(into hasher: inout Hasher) { hasher.combine(first) }
}
