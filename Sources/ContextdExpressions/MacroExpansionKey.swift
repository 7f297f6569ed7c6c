import ContextdEvents
import Synchronization

/// What a macro expands to in one environment: its text and what every name in it resolves to.
///
/// Two uses of a macro with equal keys compile to the same code — macros are hygienic, so the
/// comprehension locals around a use do not matter — and so, in one activation, to the same
/// value. The fraud rule's `previous_location` is used four times by the rule's `let` bindings
/// (through `travel_km` and `travel_kmh`) and three times by its scorer's features; with the
/// key, its 12-hour filter runs once in the rule's activation and once in the scorer's.
struct MacroExpansionKey: Hashable, Sendable {
    enum Resolution: Hashable, Sendable {
        case slot(Int)
        /// A macro used inside this one, by the memo id of its own key.
        case macro(Int)
        case constant(Value)
        case unresolved
    }

    let source: String
    let resolutions: [Resolution]

    /// The memo id of `macro` as used in `environment` (a key stands for the same code only in
    /// one process, so the id is what is compared at run time).
    static func memoID(of macro: Environment.Macro, named name: String, in environment: Environment) -> Int {
        var expanding = [name]
        return memoID(of: macro, in: environment, expanding: &expanding)
    }

    private static func memoID(of macro: Environment.Macro, in environment: Environment, expanding: inout [String])
        -> Int
    {
        var resolutions: [Resolution] = []
        resolutions.reserveCapacity(macro.names.count)
        for name in macro.names {
            resolutions.append(resolve(name, in: environment, expanding: &expanding))
        }
        return MacroExpansionKey(source: macro.source, resolutions: resolutions).memoID
    }

    /// The names are the macro's own, in a fixed order, so the list of resolutions alone says
    /// what each name means.
    private static func resolve(_ name: String, in environment: Environment, expanding: inout [String]) -> Resolution {
        switch environment.variables[name] {
        case .plain(let slot, _)?, .lazyRecord(let slot, _)?, .bound(let slot, _)?: return .slot(slot)
        case nil: break
        }
        if let macro = environment.macros[name], !expanding.contains(name) {
            expanding.append(name)
            defer { expanding.removeLast() }
            return .macro(memoID(of: macro, in: environment, expanding: &expanding))
        }
        if let value = environment.constants[name] { return .constant(value) }
        return .unresolved
    }

    /// A small number standing for the key, the same for equal keys within the process.
    var memoID: Int {
        Self.registry.withLock { ids in
            if let id = ids[self] { return id }
            let id = ids.count
            ids[self] = id
            return id
        }
    }

    private static let registry = Mutex<[MacroExpansionKey: Int]>([:])
}
