public import ContextdExpressions

/// The names one kind of expression may use, with the slots the engine fills before evaluating.
///
/// Built once by the rule loader per rule, scorer, policy and context declaration; the engine
/// only fills slots, so evaluation never looks a name up.
public struct EvaluationScope: Sendable {
    public var environment: Environment
    public var event: VariableSlot?
    public var now: VariableSlot?
    public var subject: VariableSlot?
    public var context: VariableSlot?
    public var score: VariableSlot?
    public var task: VariableSlot?
    /// The `for_each` item of a rule, under the name the rule gave it.
    public var item: VariableSlot?

    public init(environment: Environment) {
        self.environment = environment
    }
}
