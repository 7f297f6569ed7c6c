/// What an expression may read from its activation, known when it compiles.
///
/// The engine uses it to skip work whose inputs did not change: a rule's timer is recomputed
/// only when a context declaration it reads was folded. It is an over-approximation — every
/// slot and field the code could reach, including through `let` bindings and macros — so a
/// skip it allows is always safe; a host function (which may read anything) makes it
/// ``readsAnything``.
public struct ExpressionReads: Sendable, Equatable {
    /// Plain and lazy-record slots read, directly or through a `let` binding (a binding's own
    /// slot is not listed: what it reads is).
    var slots: Set<Int> = []
    /// The fields read of each lazy record, by its slot.
    var fields: [Int: Set<String>] = [:]
    /// True when the expression calls a host function, whose reads are not known.
    public internal(set) var readsAnything = false

    public init() {}

    public func reads(_ slot: VariableSlot) -> Bool { readsAnything || slots.contains(slot.index) }

    /// True when it reads no slot outside `allowed` (and calls no host function).
    public func readsOnly(_ allowed: [VariableSlot?]) -> Bool {
        !readsAnything && slots.isSubset(of: allowed.compactMap { $0?.index })
    }

    /// The fields of the lazy record in `slot` that the expression may read.
    public func fields(of slot: VariableSlot) -> Set<String> { fields[slot.index] ?? [] }

    mutating func formUnion(_ other: ExpressionReads) {
        slots.formUnion(other.slots)
        for (slot, names) in other.fields { fields[slot, default: []].formUnion(names) }
        readsAnything = readsAnything || other.readsAnything
    }

    public func union(_ other: ExpressionReads) -> ExpressionReads {
        var joined = self
        joined.formUnion(other)
        return joined
    }
}
