import ContextdEvents
import Synchronization

/// What a macro expands to in one environment: its text and what every name in it resolves to.
///
/// Two uses of a macro with equal keys compile to the same code — macros are hygienic, so the
/// comprehension locals around a use do not matter — and so, in one activation, to the same
/// value. The fraud rule's `previous_location` is used by three `let` bindings and two scorer
/// features; with the key, its 12-hour filter runs once per activation instead of five times.
struct MacroExpansionKey: Hashable, Sendable {
    indirect enum Resolution: Hashable, Sendable {
        case slot(Int)
        case macro(MacroExpansionKey)
        case constant(Value)
        case unresolved
    }

    let source: String
    let resolutions: [String: Resolution]

    init(_ macro: Environment.Macro, in environment: Environment, expanding: Set<String> = []) {
        source = macro.source
        var resolutions: [String: Resolution] = [:]
        for (name, _) in macro.syntax.identifiers() where resolutions[name] == nil {
            resolutions[name] = Self.resolve(name, in: environment, expanding: expanding)
        }
        self.resolutions = resolutions
    }

    private static func resolve(_ name: String, in environment: Environment, expanding: Set<String>) -> Resolution {
        switch environment.variables[name] {
        case .plain(let slot, _)?, .lazyRecord(let slot, _)?, .bound(let slot, _)?: return .slot(slot)
        case nil: break
        }
        if let macro = environment.macros[name], !expanding.contains(name) {
            return .macro(MacroExpansionKey(macro, in: environment, expanding: expanding.union([name])))
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
