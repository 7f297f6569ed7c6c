import ContextdEvents

/// The run-time loop of a comprehension (`filter`, `map`, `exists`, `all`, `count_if`,
/// `max_by`, `min_by`, `sort_by`).
///
/// The loop variable lives in the activation's stack of locals, at the depth the compiler gave
/// it, so the body reads it by index like any other variable.
struct Comprehension: Sendable {
    let name: String
    let collection: Evaluator
    let body: Evaluator
    let depth: Int
    let collectionRange: SourceRange
    let bodyRange: SourceRange

    func evaluator(for form: SpecialForm) -> Evaluator {
        switch form {
        case .filter: filter
        case .map: map
        case .exists: quantifier(stopsOn: true)
        case .all: quantifier(stopsOn: false)
        case .countIf: countIf
        case .maxBy: extreme(sign: 1)
        case .minBy: extreme(sign: -1)
        case .sortBy: sortBy
        case .has, .matches: preconditionFailure("not a comprehension")
        }
    }

    /// Binds each element in turn and evaluates the body; `each` gets the element and the body's
    /// value and returns false to stop early.
    private func run(
        _ activation: Activation,
        _ each: (Value, Value) throws(EvaluationError) -> Bool
    ) throws(EvaluationError) {
        let elements = try Comprehension.elements(of: try collection(activation), for: name, at: collectionRange)
        let slot = activation.locals.count
        assert(slot == activation.frameBase + depth, "comprehension local out of place")
        activation.locals.append(.null)
        defer { activation.locals.removeLast() }
        for element in elements {
            try activation.spend(1, at: collectionRange)
            activation.locals[slot] = element
            guard try each(element, try body(activation)) else { return }
        }
    }

    /// A list's elements, or a map's keys in sorted order.
    static func elements(of value: Value, for name: String, at range: SourceRange) throws(EvaluationError) -> [Value] {
        switch value {
        case .list(let elements): return elements
        case .object(let fields): return fields.keys.sorted().map(Value.string)
        default:
            throw EvaluationError(
                message: "'\(name)' needs a list or map, not \(value.kindName)",
                range: range,
                code: value.isNull ? .nullAccess : .typeMismatch
            )
        }
    }

    private func condition(_ value: Value) throws(EvaluationError) -> Bool {
        try Operators.truth(value, "the condition of '\(name)' must be bool", at: bodyRange)
    }

    private var filter: Evaluator {
        { activation throws(EvaluationError) in
            var kept: [Value] = []
            try run(activation) { element, keep throws(EvaluationError) in
                if try condition(keep) { kept.append(element) }
                return true
            }
            return .list(kept)
        }
    }

    private var map: Evaluator {
        { activation throws(EvaluationError) in
            var mapped: [Value] = []
            try run(activation) { _, value in
                mapped.append(value)
                return true
            }
            return .list(mapped)
        }
    }

    /// `exists` stops at the first true, `all` at the first false.
    private func quantifier(stopsOn decisive: Bool) -> Evaluator {
        { activation throws(EvaluationError) in
            var result = !decisive
            try run(activation) { _, value throws(EvaluationError) in
                guard try condition(value) == decisive else { return true }
                result = decisive
                return false
            }
            return .bool(result)
        }
    }

    private var countIf: Evaluator {
        { activation throws(EvaluationError) in
            var count = 0
            try run(activation) { _, value throws(EvaluationError) in
                if try condition(value) { count += 1 }
                return true
            }
            return .number(Double(count))
        }
    }

    /// The elements in ascending order of their keys; ties keep their order, and elements whose
    /// key is null come last, in their order. Keys of different kinds (a number and a string)
    /// are an error, as for `sort`. The sort costs one step per element on top of the visit.
    private var sortBy: Evaluator {
        { activation throws(EvaluationError) in
            var keyed: [(element: Value, key: Value)] = []
            var unkeyed: [Value] = []
            try run(activation) { element, key in
                if key.isNull { unkeyed.append(element) } else { keyed.append((element, key)) }
                return true
            }
            try activation.spend(keyed.count, at: bodyRange)
            if let first = keyed.first {
                for entry in keyed where entry.key.kind != first.key.kind {
                    throw EvaluationError(
                        message: "'sort_by' needs keys of one kind, not \(first.key.kindName) and \(entry.key.kindName)",
                        range: bodyRange, code: .typeMismatch)
                }
            }
            // Same kind throughout: the comparison cannot fail; the index keeps ties in order.
            let order = keyed.indices.sorted { left, right in
                let sign = (try? Operators.compare(keyed[left].key, keyed[right].key, at: bodyRange)) ?? 0
                return sign == 0 ? left < right : sign < 0
            }
            return .list(order.map { keyed[$0].element } + unkeyed)
        }
    }

    /// The element whose key is greatest (`sign` 1) or least (-1); the first on ties, null when
    /// there is none. Elements whose key is null are skipped.
    private func extreme(sign: Int) -> Evaluator {
        { activation throws(EvaluationError) in
            var best: (element: Value, key: Value)?
            try run(activation) { element, key throws(EvaluationError) in
                if key.isNull { return true }
                if let current = best, try Operators.compare(key, current.key, at: bodyRange) * sign <= 0 {
                    return true
                }
                best = (element, key)
                return true
            }
            return best?.element ?? .null
        }
    }
}
