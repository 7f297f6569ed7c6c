import ContextdEvents

/// Why a call's argument types can never work; `argument` says which argument to point at.
struct TypeProblem: Error {
    var message: String
    var argument: Int?
}

/// How many arguments a function takes (the receiver of `x.f()` counts as the first).
enum Arity: Sendable, CustomStringConvertible {
    case exactly(Int)
    case range(ClosedRange<Int>)
    case atLeast(Int)
    case either(Int, Int)

    func accepts(_ count: Int) -> Bool {
        switch self {
        case .exactly(let n): count == n
        case .range(let range): range.contains(count)
        case .atLeast(let n): count >= n
        case .either(let a, let b): count == a || count == b
        }
    }

    var description: String {
        switch self {
        case .exactly(let n): n == 1 ? "1 argument" : "\(n) arguments"
        case .range(let range) where range.count == 2: "\(range.lowerBound) or \(range.upperBound) arguments"
        case .range(let range): "\(range.lowerBound) to \(range.upperBound) arguments"
        case .atLeast(let n): n == 1 ? "at least 1 argument" : "at least \(n) arguments"
        case .either(let a, let b): "\(a) or \(b) arguments"
        }
    }
}

/// A built-in function: how to type-check a call and how to run it.
///
/// Implementations take values of any kind and check them, because `dyn` arguments reach them
/// unchecked; they throw errors without a position, which the call then places at itself.
struct Builtin: Sendable {
    enum Implementation: Sendable {
        case unary(@Sendable (Value) throws(EvaluationError) -> Value)
        case binary(@Sendable (Value, Value) throws(EvaluationError) -> Value)
        case variadic(@Sendable ([Value]) throws(EvaluationError) -> Value)
    }

    typealias Check = @Sendable ([ValueType]) throws(TypeProblem) -> ValueType

    let name: String
    let arity: Arity
    let check: Check
    let implementation: Implementation
    /// When every argument is known at load time, a failure is a compile error (`duration("12x")`)
    /// rather than something left to fail on every event.
    var validatesConstants = false

    init(_ name: String, arity: Arity, check: @escaping Check, _ implementation: Implementation) {
        switch implementation {
        case .unary:
            precondition(arity.accepts(1) && !arity.accepts(2) && !arity.accepts(0), "\(name): unary with \(arity)")
        case .binary:
            precondition(arity.accepts(2) && !arity.accepts(1) && !arity.accepts(3), "\(name): binary with \(arity)")
        case .variadic: break
        }
        self.name = name
        self.arity = arity
        self.check = check
        self.implementation = implementation
    }

    /// A function with one accepted set of kinds per parameter and a fixed result type.
    init(_ name: String, _ parameters: [Kinds], _ result: ValueType, _ implementation: Implementation) {
        self.init(
            name,
            arity: .exactly(parameters.count),
            check: Builtin.fixed(name, parameters, result),
            implementation
        )
    }

    func validatingConstants() -> Builtin {
        var copy = self
        copy.validatesConstants = true
        return copy
    }

    static func fixed(_ name: String, _ parameters: [Kinds], _ result: ValueType) -> Check {
        { types throws(TypeProblem) in
            for index in types.indices where index < parameters.count {
                try require(types, index, parameters[index], of: name)
            }
            return result
        }
    }

    /// Fails unless argument `index` may be of one of `kinds`.
    static func require(_ types: [ValueType], _ index: Int, _ kinds: Kinds, of name: String) throws(TypeProblem) {
        let type = types[index]
        guard type.isDynamic || !type.kinds.isDisjoint(with: kinds) else {
            throw TypeProblem(
                message: "argument \(index + 1) of '\(name)' must be \(kinds.phrase), not \(type)",
                argument: index
            )
        }
    }

    /// The evaluator of a call with these argument evaluators, failures placed at `range`; one
    /// of ``Builtins/sizedNames`` spends the ``StepCost`` of what it reads from the budget.
    func evaluator(_ arguments: [Evaluator], at range: SourceRange) -> Evaluator {
        Builtins.sizedNames.contains(name)
            ? sizedEvaluator(arguments, at: range) : plainEvaluator(arguments, at: range)
    }

    private func plainEvaluator(_ arguments: [Evaluator], at range: SourceRange) -> Evaluator {
        switch implementation {
        case .unary(let function):
            let first = arguments[0]
            return { activation throws(EvaluationError) in
                let value = try first(activation)
                do throws(EvaluationError) { return try function(value) } catch { throw error.located(at: range) }
            }
        case .binary(let function):
            let (first, second) = (arguments[0], arguments[1])
            return { activation throws(EvaluationError) in
                let (a, b) = (try first(activation), try second(activation))
                do throws(EvaluationError) { return try function(a, b) } catch { throw error.located(at: range) }
            }
        case .variadic(let function):
            return { activation throws(EvaluationError) in
                var values: [Value] = []
                values.reserveCapacity(arguments.count)
                for argument in arguments { values.append(try argument(activation)) }
                do throws(EvaluationError) { return try function(values) } catch { throw error.located(at: range) }
            }
        }
    }
}

extension Builtin {
    /// ``evaluator(_:at:)`` spending the arguments' ``StepCost`` first.
    private func sizedEvaluator(_ arguments: [Evaluator], at range: SourceRange) -> Evaluator {
        switch implementation {
        case .unary(let function):
            let first = arguments[0]
            return { activation throws(EvaluationError) in
                let value = try first(activation)
                try activation.spend(StepCost.of(value), at: range)
                do throws(EvaluationError) { return try function(value) } catch { throw error.located(at: range) }
            }
        case .binary(let function):
            let (first, second) = (arguments[0], arguments[1])
            return { activation throws(EvaluationError) in
                let (a, b) = (try first(activation), try second(activation))
                try activation.spend(StepCost.of(a) + StepCost.of(b), at: range)
                do throws(EvaluationError) { return try function(a, b) } catch { throw error.located(at: range) }
            }
        case .variadic:
            // Arguments evaluated twice would be wrong; spend on the result instead.
            let evaluate = plainEvaluator(arguments, at: range)
            return { activation throws(EvaluationError) in
                let result = try evaluate(activation)
                try activation.spend(StepCost.of(result), at: range)
                return result
            }
        }
    }
}

/// Run-time argument checks with the same wording as the load-time ones.
enum Argument {
    static func mismatch(_ value: Value, _ index: Int, of name: String, expected: Kinds) -> EvaluationError {
        EvaluationError(
            message: "argument \(index + 1) of '\(name)' must be \(expected.phrase), not \(value.kindName)",
            code: value.isNull ? .nullAccess : .typeMismatch
        )
    }

    static func number(_ value: Value, _ index: Int, of name: String) throws(EvaluationError) -> Double {
        guard case .number(let number) = value else { throw mismatch(value, index, of: name, expected: .number) }
        return number
    }

    static func string(_ value: Value, _ index: Int, of name: String) throws(EvaluationError) -> String {
        guard case .string(let text) = value else { throw mismatch(value, index, of: name, expected: .string) }
        return text
    }

    static func timestamp(_ value: Value, _ index: Int, of name: String) throws(EvaluationError) -> Timestamp {
        guard case .timestamp(let timestamp) = value else {
            throw mismatch(value, index, of: name, expected: .timestamp)
        }
        return timestamp
    }

    static func duration(_ value: Value, _ index: Int, of name: String) throws(EvaluationError) -> TimeSpan {
        guard case .duration(let span) = value else { throw mismatch(value, index, of: name, expected: .duration) }
        return span
    }

    static func list(_ value: Value, _ index: Int, of name: String) throws(EvaluationError) -> [Value] {
        guard case .list(let elements) = value else { throw mismatch(value, index, of: name, expected: .list) }
        return elements
    }

    static func object(_ value: Value, _ index: Int, of name: String) throws(EvaluationError) -> [String: Value] {
        guard case .object(let fields) = value else { throw mismatch(value, index, of: name, expected: .map) }
        return fields
    }

    /// A whole number argument (decimals, digits), within `range`.
    static func count(
        _ value: Value,
        _ index: Int,
        of name: String,
        in range: ClosedRange<Int>
    ) throws(EvaluationError) -> Int {
        let number = try number(value, index, of: name)
        guard let whole = Int(exactly: number), range.contains(whole) else {
            throw EvaluationError(
                message: "argument \(index + 1) of '\(name)' must be a whole number from \(range.lowerBound) to "
                    + "\(range.upperBound), not \(Rendering.number(number))",
                code: .invalidArgument
            )
        }
        return whole
    }
}

/// The table of built-in functions, assembled from the `Builtins+…` files.
enum Builtins {
    static let table: [String: Builtin] = Dictionary(
        uniqueKeysWithValues: (strings + time + math + lists + conversions + formatting + geography).map {
            ($0.name, $0)
        }
    )

    /// The built-ins whose work grows with their arguments: they spend budget steps in
    /// proportion (docs/rules.md, "Evaluation budget").
    static let sizedNames: Set<String> = [
        "size", "sum", "avg", "sort", "reverse", "keys", "values", "contains", "lower", "upper", "trim", "split",
        "join", "string",
    ]

    /// Every built-in name, special forms included, for suggestions.
    static let names: Set<String> = Set(table.keys).union(SpecialForm.allCases.map(\.rawValue))

    /// The element type of a list type (`dyn` when unknown), for result types.
    static func element(of type: ValueType) -> ValueType {
        if case .list(let element) = type { return element }
        return .dyn
    }
}
