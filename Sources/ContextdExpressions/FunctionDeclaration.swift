public import ContextdEvents

/// A function the host adds to the language, such as the engine's `entity(id)`.
///
/// Declared with parameter and result types so that calls are checked at load time like the
/// built-ins. At run time each argument whose parameter type is not `dyn` is checked to be of
/// that kind or null before the implementation runs, so the implementation only has to handle
/// null. A host function shadows a built-in of the same name. It is never constant-folded:
/// it may read the ``Activation`` (and its `host` object).
public struct FunctionDeclaration: Sendable {
    public let name: String
    public let parameters: [ValueType]
    public let result: ValueType
    let implementation: @Sendable ([Value], Activation) throws(EvaluationError) -> Value
    /// One field of the result, for `f(x).field`, without building the rest of it; nil when it
    /// cannot say, and then the whole result is built and the field read from it. For a
    /// function whose result is a large record of which a use reads one field: `entity(id)`
    /// builds every context declaration of an entity, and a policy reads one.
    let field: (@Sendable ([Value], String, Activation) throws(EvaluationError) -> Value?)?

    public init(
        name: String,
        parameters: [ValueType],
        result: ValueType,
        field: (@Sendable ([Value], String, Activation) throws(EvaluationError) -> Value?)? = nil,
        implementation: @escaping @Sendable ([Value], Activation) throws(EvaluationError) -> Value
    ) {
        self.name = name
        self.parameters = parameters
        self.result = result
        self.field = field
        self.implementation = implementation
    }
}

/// Where an activation keeps one declared name's value; handed out by ``Environment``.
public struct VariableSlot: Sendable, Hashable {
    public let index: Int
}
