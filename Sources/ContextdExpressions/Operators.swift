import ContextdEvents

/// The operators at run time, on values of any kind (`dyn` operands are checked here).
enum Operators {
    static func add(_ left: Value, _ right: Value, at range: SourceRange) throws(EvaluationError) -> Value {
        switch (left, right) {
        case (.number(let a), .number(let b)): return .number(a + b)
        case (.string(let a), .string(let b)): return .string(a + b)
        case (.timestamp(let t), .duration(let d)), (.duration(let d), .timestamp(let t)):
            return .timestamp(try writable(t + d, at: range))
        case (.duration(let a), .duration(let b)): return .duration(a + b)
        case (.list(let a), .list(let b)): return .list(a + b)
        default: throw mismatch("+", left, right, at: range)
        }
    }

    /// A time arithmetic made: an error past what RFC 3339 can write (years 0000–9999), so no
    /// task, timer or deferral ever carries a time contextd cannot write back.
    static func writable(_ time: Timestamp, at range: SourceRange) throws(EvaluationError) -> Timestamp {
        guard time.isRFC3339 else {
            throw EvaluationError(
                message: "time out of range: the result is outside 0000-01-01T00:00:00Z…9999-12-31T23:59:59.999Z, "
                    + "the times RFC 3339 can write", range: range)
        }
        return time
    }

    static func subtract(_ left: Value, _ right: Value, at range: SourceRange) throws(EvaluationError) -> Value {
        switch (left, right) {
        case (.number(let a), .number(let b)): return .number(a - b)
        case (.timestamp(let t), .duration(let d)): return .timestamp(try writable(t - d, at: range))
        case (.timestamp(let a), .timestamp(let b)): return .duration(a - b)
        case (.duration(let a), .duration(let b)): return .duration(a - b)
        default: throw mismatch("-", left, right, at: range)
        }
    }

    static func multiply(_ left: Value, _ right: Value, at range: SourceRange) throws(EvaluationError) -> Value {
        switch (left, right) {
        case (.number(let a), .number(let b)): return .number(a * b)
        case (.duration(let d), .number(let n)), (.number(let n), .duration(let d)):
            return .duration(try scale(d, by: n, at: range))
        default: throw mismatch("*", left, right, at: range)
        }
    }

    static func divide(_ left: Value, _ right: Value, at range: SourceRange) throws(EvaluationError) -> Value {
        switch (left, right) {
        case (.number(let a), .number(let b)):
            guard b != 0 else { throw divisionByZero(at: range) }
            return .number(a / b)
        case (.duration(let d), .number(let n)):
            guard n != 0 else { throw divisionByZero(at: range) }
            return .duration(try scale(d, by: 1 / n, at: range))
        case (.duration(let a), .duration(let b)):
            guard b.milliseconds != 0 else { throw divisionByZero(at: range) }
            return .number(Double(a.milliseconds) / Double(b.milliseconds))
        default: throw mismatch("/", left, right, at: range)
        }
    }

    static func remainder(_ left: Value, _ right: Value, at range: SourceRange) throws(EvaluationError) -> Value {
        guard case .number(let a) = left, case .number(let b) = right else {
            throw mismatch("%", left, right, at: range)
        }
        guard b != 0 else { throw divisionByZero(at: range) }
        return .number(a.truncatingRemainder(dividingBy: b))
    }

    static func negate(_ value: Value, at range: SourceRange) throws(EvaluationError) -> Value {
        switch value {
        case .number(let n): return .number(-n)
        case .duration(let d): return .duration(-d)
        default:
            throw EvaluationError(
                message: "cannot apply '-' to \(value.kindName)",
                range: range,
                code: value.isNull ? .nullAccess : .typeMismatch
            )
        }
    }

    /// -1, 0 or 1; fails unless both are numbers, strings, timestamps or durations of one kind.
    static func compare(_ left: Value, _ right: Value, at range: SourceRange) throws(EvaluationError) -> Int {
        switch (left, right) {
        case (.number(let a), .number(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        case (.string(let a), .string(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        case (.timestamp(let a), .timestamp(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        case (.duration(let a), .duration(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        default:
            throw EvaluationError(
                message: "cannot compare \(left.kindName) with \(right.kindName)",
                range: range,
                code: left.isNull || right.isNull ? .nullAccess : .typeMismatch
            )
        }
    }

    /// `element in container`: membership in a list, or a key of a map.
    static func contains(_ element: Value, in container: Value, at range: SourceRange) throws(EvaluationError) -> Bool {
        switch (container, element) {
        case (.list(let members), _): return members.contains(element)
        case (.object(let fields), .string(let key)): return fields[key] != nil
        case (.object, _):
            throw EvaluationError(
                message: "cannot look for \(element.kindName) in a map; its keys are strings",
                range: range,
                code: .typeMismatch
            )
        default:
            throw EvaluationError(
                message: "'in' needs a list or map on its right, not \(container.kindName)",
                range: range,
                code: container.isNull ? .nullAccess : .typeMismatch
            )
        }
    }

    /// A value that must be a bool (`&&`, `!`, conditions); `requirement` opens the message.
    /// `requirement` is built only on failure: a comprehension checks every element's condition.
    static func truth(_ value: Value, _ requirement: @autoclosure () -> String, at range: SourceRange)
        throws(EvaluationError) -> Bool
    {
        guard case .bool(let flag) = value else {
            throw EvaluationError(
                message: "\(requirement()), not \(value.kindName)",
                range: range,
                code: value.isNull ? .nullAccess : .typeMismatch
            )
        }
        return flag
    }

    static func scale(_ span: TimeSpan, by factor: Double, at range: SourceRange) throws(EvaluationError) -> TimeSpan {
        let milliseconds = (Double(span.milliseconds) * factor).rounded()
        guard milliseconds.isFinite, milliseconds.magnitude < 9.2e18 else {
            throw EvaluationError(message: "duration out of range", range: range, code: .invalidArgument)
        }
        return TimeSpan(milliseconds: Int64(milliseconds))
    }

    private static func divisionByZero(at range: SourceRange) -> EvaluationError {
        EvaluationError(message: "division by zero", range: range, code: .divisionByZero)
    }

    /// An operator applied to kinds it does not take; null operands count as a missing value.
    private static func mismatch(_ op: String, _ left: Value, _ right: Value, at range: SourceRange) -> EvaluationError
    {
        EvaluationError(
            message: "cannot apply '\(op)' to \(left.kindName) and \(right.kindName)",
            range: range,
            code: left.isNull || right.isNull ? .nullAccess : .typeMismatch
        )
    }
}
