import ContextdEvents
import Synchronization

/// What a macro expands to in one environment: its text and what every name in it resolves to.
///
/// Two uses of a macro with equal keys compile to the same code, and so, in one activation, to
/// the same value — provided the body reads no comprehension variable of its use site (a macro
/// means what its text would mean written out there, so such a name is the variable, not what
/// the key resolved); the compiler never remembers such an expansion. The fraud rule's `previous_location` is used four times by the rule's `let` bindings
/// (through `travel_km` and `travel_kmh`) and three times by its scorer's features; with the
/// key, its 12-hour filter runs once per evaluation: the scorer's activation inherits what the
/// rule's computed (``Activation/inheritMacroValues(from:)``).
///
/// A variable is keyed by its name and slot, so that two environments declared alike (the
/// engine declares `event`, `now`, `subject` and `context` first, in one order, in every
/// scope) give equal keys; a `let` binding means one environment's own expression, so a key
/// with one is never shared with another activation.
struct MacroExpansionKey: Hashable, Sendable {
    enum Resolution: Hashable, Sendable {
        case variable(name: String, slot: Int)
        case binding(slot: Int)
        /// A macro used inside this one, by the memo id of its own key.
        case macro(Int)
        case constant(Value)
        case unresolved
    }

    let source: String
    let resolutions: [Resolution]

    /// The memo of `macro` as used in `environment` (a key stands for the same code only in
    /// one process, so the id is what is compared at run time).
    static func memo(of macro: Environment.Macro, named name: String, in environment: Environment) -> MacroMemo {
        var expanding = [name]
        return memo(of: macro, in: environment, expanding: &expanding)
    }

    private static func memo(of macro: Environment.Macro, in environment: Environment, expanding: inout [String])
        -> MacroMemo
    {
        var resolutions: [Resolution] = []
        resolutions.reserveCapacity(macro.names.count)
        for name in macro.names {
            resolutions.append(resolve(name, in: environment, expanding: &expanding))
        }
        return MacroExpansionKey(source: macro.source, resolutions: resolutions).memo
    }

    /// The names are the macro's own, in a fixed order, so the list of resolutions alone says
    /// what each name means.
    private static func resolve(_ name: String, in environment: Environment, expanding: inout [String]) -> Resolution {
        switch environment.variables[name] {
        case .plain(let slot, _)?, .lazyRecord(let slot, _)?: return .variable(name: name, slot: slot)
        case .bound(let slot, _)?: return .binding(slot: slot)
        case nil: break
        }
        if let macro = environment.macros[name], !expanding.contains(name) {
            expanding.append(name)
            defer { expanding.removeLast() }
            return .macro(memo(of: macro, in: environment, expanding: &expanding).id)
        }
        if let value = environment.constants[name] { return .constant(value) }
        return .unresolved
    }

    /// A small number standing for the key, the same for equal keys within the process, and
    /// whether its value may be handed to another activation.
    var memo: MacroMemo {
        Self.registry.withLock { registry in
            if let id = registry.ids[self] { return MacroMemo(id: id, isShareable: registry.shareable[id]) }
            let id = registry.shareable.count
            let shareable = resolutions.allSatisfy { resolution in
                switch resolution {
                case .binding: false
                case .macro(let nested): registry.shareable[nested]
                case .variable, .constant, .unresolved: true
                }
            }
            registry.ids[self] = id
            registry.shareable.append(shareable)
            return MacroMemo(id: id, isShareable: shareable)
        }
    }

    private static let registry = Mutex<(ids: [MacroExpansionKey: Int], shareable: [Bool])>(([:], []))
}

/// How a macro's value is remembered in an activation (``Activation/memoized(_:_:)``).
struct MacroMemo: Sendable {
    let id: Int
    /// True when the key names no `let` binding: an activation declared alike, filled with the
    /// same values, may reuse the value.
    let isShareable: Bool
}
