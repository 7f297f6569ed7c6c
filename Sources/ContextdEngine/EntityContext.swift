public import ContextdEvents

/// Everything contextd remembers about one entity (a customer, a lead, a CRM user).
///
/// Keyed by declaration name so that context declared by a rule that survives a reload keeps
/// its state; all of it is plain values so a store can persist and reload it per entity.
public struct EntityContext: Sendable, Hashable {
    public var subject: String
    public var states: [String: ContextState]

    public init(subject: String, states: [String: ContextState] = [:]) {
        self.subject = subject
        self.states = states
    }

    /// The value `context.<name>` has at instant `now`.
    public func value(of declaration: ContextDeclaration, at now: Timestamp) -> Value {
        let state = states[declaration.name]
        switch declaration.kind {
        case .latest:
            if case .latest(let entry?) = state { return entry.asValue }
            return .null
        case .collection:
            if case .collection(let items) = state { return .list(items.map(\.asValue)) }
            return .list([])
        case .count(let window):
            guard case .window(let points) = state else { return .number(0) }
            return .number(Double(ContextEntryWindow.points(points, in: window, at: now).count))
        case .sum(let window):
            guard case .window(let points) = state else { return .number(0) }
            return .number(ContextEntryWindow.points(points, in: window, at: now).reduce(0) { $0 + $1.amount })
        case .history:
            if case .history(let entries) = state { return .list(entries.map(\.asValue)) }
            return .list([])
        }
    }
}

/// Sliding event-time windows over `(now - window, now]`.
enum ContextEntryWindow {
    static func points(_ points: [ContextState.WindowPoint], in window: TimeSpan, at now: Timestamp)
        -> ArraySlice<ContextState.WindowPoint>
    {
        let lower = now - window
        let start = firstIndex(in: points) { $0.time > lower }
        let end = firstIndex(in: points) { $0.time > now }
        return start < end ? points[start..<end] : []
    }

    /// Binary search for the first point matching a predicate that is monotone over time order.
    static func firstIndex(in points: [ContextState.WindowPoint], where isAfter: (ContextState.WindowPoint) -> Bool)
        -> Int
    {
        var low = 0
        var high = points.count
        while low < high {
            let mid = (low + high) / 2
            if isAfter(points[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
