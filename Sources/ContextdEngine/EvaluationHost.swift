public import ContextdEvents
public import ContextdExpressions

/// What host functions (`entity(id)`) reach through `Activation.host`: the engine's context at
/// the instant of the evaluation. Reading another entity's context is explicit and goes
/// through here, so a partitioned store can later fetch it from wherever it lives.
///
/// Also where the evaluation's `context` and `score` fields come from (``FieldSource``): one
/// object per evaluation rather than a closure per lazy record.
public final class EvaluationHost: FieldSource {
    unowned let engine: Engine
    /// The activation this host serves (which holds the host).
    unowned let activation: Activation
    let now: Timestamp
    let subject: String
    let eventValue: Value?
    /// The subject's context as the evaluation began, when its scope declares `context`.
    let context: EntityContext?
    let contextSlot: VariableSlot?
    /// The scores computed in this evaluation, when its scope declares `score`.
    let scores: ScoreMemo?

    init(
        engine: Engine, activation: Activation, now: Timestamp, subject: String, eventValue: Value?,
        context: EntityContext?, contextSlot: VariableSlot?, scores: ScoreMemo?
    ) {
        self.engine = engine
        self.activation = activation
        self.now = now
        self.subject = subject
        self.eventValue = eventValue
        self.context = context
        self.contextSlot = contextSlot
        self.scores = scores
    }

    public func field(_ name: String, ofRecordAt slot: VariableSlot) throws(EvaluationError) -> Value {
        if slot == contextSlot, let context {
            guard let value = engine.declarationValue(name, of: context, at: now) else {
                throw EvaluationError.missingField(name)
            }
            return value
        }
        if let scores { return try engine.score(name, for: self, memo: scores) }
        throw EvaluationError.missingField(name)
    }

    /// The whole context of `subject` as one map (`entity(task.assignee).sessions`).
    public func contextValue(of subject: String) -> Value {
        engine.contextValue(of: subject, at: now)
    }

    /// One declaration of that context (`entity(task.assignee).sessions`), or nil for a name
    /// that is not one (then the whole map is built, and reading the field from it fails).
    public func contextValue(of subject: String, field: String) -> Value? {
        engine.contextValue(of: subject, declaration: field, at: now)
    }
}

/// Functions the engine adds to every rule environment.
public enum EngineFunctions {
    /// `entity(id)`: another entity's context, typed like `context`.
    public static func entity(contextType: RecordType) -> FunctionDeclaration {
        FunctionDeclaration(
            name: "entity", parameters: [.string], result: .record(contextType),
            field: { arguments, name, activation throws(EvaluationError) -> Value? in
                guard let host = activation.host as? EvaluationHost, case .string(let subject) = arguments.first else {
                    return nil
                }
                return host.contextValue(of: subject, field: name)
            }
        ) { (arguments, activation) throws(EvaluationError) -> Value in
            guard let host = activation.host as? EvaluationHost, case .string(let subject) = arguments.first else {
                return .null
            }
            return host.contextValue(of: subject)
        }
    }
}
