public import ContextdEvents

/// The names an expression may use, built by the engine once per rule at load time.
///
/// Compiling resolves every name against an environment to a slot index or an inlined value,
/// so evaluation never looks a name up. Names resolve in this order: comprehension locals,
/// declared variables (plain, lazy records, `let` bindings), macros, constants. Declaring a name
/// again replaces it for expressions compiled afterwards.
public struct Environment: Sendable {
    enum Variable: Sendable {
        case plain(slot: Int, type: ValueType)
        case lazyRecord(slot: Int, type: RecordType)
        case bound(slot: Int, expression: CompiledExpression)
    }

    struct Macro: Sendable {
        let source: String
        let syntax: Syntax
        /// The identifiers in the body, each once, in order (what ``MacroExpansionKey`` resolves).
        let names: [String]

        init(source: String, syntax: Syntax) {
            self.source = source
            self.syntax = syntax
            var seen = Set<String>()
            names = syntax.identifiers().map(\.name).filter { seen.insert($0).inserted }
        }
    }

    private(set) var variables: [String: Variable] = [:]
    private(set) var macros: [String: Macro] = [:]
    private(set) var constants: [String: Value] = [:]
    private(set) var functions: [String: FunctionDeclaration] = [:]
    public private(set) var slotCount = 0

    public init() {}

    /// A plain variable (`event`, `now`, `subject`, `task`, a `for_each` item), set on each
    /// ``Activation`` with ``Activation/set(_:_:)``. Reading one never set gives null.
    @discardableResult
    public mutating func declare(_ name: String, type: ValueType) -> VariableSlot {
        let slot = nextSlot()
        variables[name] = .plain(slot: slot.index, type: type)
        return slot
    }

    /// Removes a variable for expressions compiled afterwards: a rule's `timer` is computed
    /// when context changes, with no event at hand, so it is compiled without `event`.
    public mutating func hide(_ name: String) {
        variables[name] = nil
    }

    /// A record read field by field through a resolver (``Activation/bindFields(_:_:)``), for
    /// `context` and `score`, whose fields are costly to compute and mostly unused by any one
    /// rule. `name.field` is typed from `type.fields` (unknown fields are `dyn` on an open
    /// record, errors on a closed one); a bare `name` is a compile error.
    @discardableResult
    public mutating func declareLazyRecord(_ name: String, type: RecordType) -> VariableSlot {
        let slot = nextSlot()
        variables[name] = .lazyRecord(slot: slot.index, type: type)
        return slot
    }

    /// A rule's `let:` binding, typed as `expression.type`: evaluated the first time it is read in
    /// an activation, then remembered for that activation — including a failure, which every
    /// later read rethrows.
    @discardableResult
    public mutating func bind(_ name: String, to expression: CompiledExpression) -> VariableSlot {
        let slot = nextSlot()
        variables[name] = .bound(slot: slot.index, expression: expression)
        return slot
    }

    /// A named expression shared across rules, expanded and type-checked where it is used (so it
    /// may use names the using rule declares). Only syntax is checked here, plus cycles through
    /// macros already defined; errors are relative to `source`. A macro means what its text
    /// would mean written out at the use: a comprehension variable around the use shadows a
    /// `let` or variable of the same name inside the body too.
    public mutating func defineMacro(_ name: String, source: String) throws([ExpressionDiagnostic]) {
        var parser = Parser(bytes: Array(source.utf8))
        let syntax = parser.parseWhole()
        let problems = parser.diagnostics.normalized()
        guard problems.isEmpty else { throw problems }
        let macro = Macro(source: source, syntax: syntax)
        if let cycle = cycle(from: name, through: macro) { throw [cycle] }
        macros[name] = macro
    }

    /// A named value from the rule files, typically a list used with `in`.
    public mutating func defineConstant(_ name: String, value: Value) {
        constants[name] = value
    }

    public mutating func register(_ function: FunctionDeclaration) {
        functions[function.name] = function
    }

    /// Every name in scope (variables, macros, constants, host and built-in functions), sorted;
    /// what did-you-mean suggestions choose from.
    public var names: [String] {
        Set(variables.keys).union(macros.keys).union(constants.keys).union(functionNames).sorted()
    }

    var valueNames: Set<String> { Set(variables.keys).union(macros.keys).union(constants.keys) }

    var functionNames: Set<String> { Set(functions.keys).union(Builtins.names) }

    private mutating func nextSlot() -> VariableSlot {
        defer { slotCount += 1 }
        return VariableSlot(index: slotCount)
    }

    /// The chain of macros leading from `macro` back to `name`, reported at the first reference.
    private func cycle(from name: String, through macro: Macro) -> ExpressionDiagnostic? {
        for (reference, range) in macro.syntax.identifiers() {
            if let path = path(from: reference, to: name, visited: []) {
                let chain = ([name] + path).joined(separator: " → ")
                return ExpressionDiagnostic(message: "macro '\(name)' refers to itself: \(chain)", range: range)
            }
        }
        return nil
    }

    private func path(from current: String, to target: String, visited: Set<String>) -> [String]? {
        if current == target { return [current] }
        guard let macro = macros[current], !visited.contains(current) else { return nil }
        for (reference, _) in macro.syntax.identifiers() {
            if let rest = path(from: reference, to: target, visited: visited.union([current])) {
                return [current] + rest
            }
        }
        return nil
    }
}
