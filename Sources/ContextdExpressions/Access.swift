import ContextdEvents

/// Reading fields, keys and list elements at run time.
///
/// Missing is a failure, not null: a rule that reads `event.data.lat` from an event without one
/// should say so rather than compute with null. `??` and `has()` are how a rule says that
/// absence is expected.
enum Access {
    static func field(_ name: String, of value: Value, at range: SourceRange) throws(EvaluationError) -> Value {
        switch value {
        case .object(let fields):
            if let field = fields[name] { return field }
            throw EvaluationError(message: "no field '\(name)' in map", range: range, code: .missingField)
        case .null:
            throw EvaluationError(message: "cannot read '\(name)' of null", range: range, code: .nullAccess)
        default:
            throw EvaluationError(
                message: "cannot read field '\(name)' of \(value.kindName)",
                range: range,
                code: .typeMismatch
            )
        }
    }

    static func index(_ value: Value, _ key: Value, at range: SourceRange) throws(EvaluationError) -> Value {
        switch (value, key) {
        case (.list(let elements), .number(let number)):
            guard let position = Int(exactly: number) else {
                throw EvaluationError(
                    message: "a list index must be a whole number, not \(Rendering.number(number))",
                    range: range,
                    code: .invalidArgument
                )
            }
            guard elements.indices.contains(position) else {
                throw EvaluationError(
                    message: "index \(position) is out of range for a list of \(elements.count)",
                    range: range,
                    code: .missingField
                )
            }
            return elements[position]
        case (.object(let fields), .string(let name)):
            if let field = fields[name] { return field }
            throw EvaluationError(message: "no key '\(name)' in map", range: range, code: .missingField)
        case (.null, _):
            throw EvaluationError(message: "cannot index null", range: range, code: .nullAccess)
        case (.list, _):
            throw EvaluationError(
                message: "a list index must be a number, not \(key.kindName)",
                range: range,
                code: key.isNull ? .nullAccess : .typeMismatch
            )
        case (.object, _):
            throw EvaluationError(
                message: "a map key must be a string, not \(key.kindName)",
                range: range,
                code: key.isNull ? .nullAccess : .typeMismatch
            )
        default:
            throw EvaluationError(message: "cannot index \(value.kindName)", range: range, code: .typeMismatch)
        }
    }

    /// Whether `value` has a non-null field `name` (for `has()`, which never fails).
    static func has(_ name: String, in value: Value) -> Bool {
        guard case .object(let fields) = value, let field = fields[name] else { return false }
        return !field.isNull
    }
}
