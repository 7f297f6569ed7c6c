public import ContextdEvents
public import ContextdExpressions

/// What host functions (`entity(id)`) reach through `Activation.host`: the engine's context at
/// the instant of the evaluation. Reading another entity's context is explicit and goes
/// through here, so a partitioned store can later fetch it from wherever it lives.
public final class EvaluationHost {
    unowned let engine: Engine
    let now: Timestamp

    init(engine: Engine, now: Timestamp) {
        self.engine = engine
        self.now = now
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
