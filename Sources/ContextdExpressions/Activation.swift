public import ContextdEvents

/// The values one evaluation sees: one cell per declared slot, plus the comprehension locals.
///
/// Made by the engine for each evaluation (an event against a rule), so it is a plain class with
/// an array: cheap to create, and mutable during evaluation to memoize `let` bindings and lazy
/// record fields. Not `Sendable`: it belongs to the one evaluation that made it.
public final class Activation {
    enum Cell {
        case unset
        case value(Value)
        /// A `let` binding being evaluated right now (reading it again is a cycle).
        case evaluating
        /// Boxed: an error is several times the size of a value, and every cell would be as
        /// large as the largest case (copied on each `set`).
        case failed(Failure)
        /// A lazy record: where its fields come from, and those read so far in this activation.
        case record(any FieldSource, [(name: String, value: Value)])
    }

    final class Failure {
        let error: EvaluationError
        init(_ error: EvaluationError) { self.error = error }
    }

    private var cells: [Cell]
    /// Macro values computed in this activation, by ``MacroExpansionKey`` id. Few per
    /// activation, so a list searched in order.
    private var macroValues: [(id: Int, value: Value, isShareable: Bool)] = []
    /// Comprehension locals of all expressions being evaluated, innermost last.
    var locals: [Value] = []
    /// Where the locals of the expression being evaluated start in `locals`.
    var frameBase = 0
    /// The engine's own object, for host functions to reach it.
    public var host: AnyObject?
    /// Steps the evaluation may still take: comprehension elements, and the size of what
    /// size-proportional built-ins and `matches` read (``spend(_:at:)``). A deterministic count,
    /// never a time, so `replay` and the daemon stop an evaluation at the same point (SPEC §8).
    /// Below zero the budget ran out, and it stays out: a failure that `has()` or a scorer
    /// swallowed still shows in ``isOverBudget``.
    public private(set) var stepsLeft = Int.max
    /// The whole budget, for the message of the evaluation that runs out of it.
    public private(set) var budget = Int.max

    public convenience init(environment: Environment) {
        self.init(slotCount: environment.slotCount)
    }

    /// For the engine, which makes one per evaluation: taking the count rather than the
    /// environment spares copying the environment's tables into the call.
    public init(slotCount: Int) {
        cells = Array(repeating: .unset, count: slotCount)
    }

    /// An activation with no slots, for folding constants at load time.
    init() {
        cells = []
    }

    public func set(_ slot: VariableSlot, _ value: Value) {
        store(.value(value), at: slot.index)
    }

    /// Forgets every value of the last evaluation, for an activation the engine reuses from
    /// one event to the next (a fold sets the same three slots for every event).
    public func reset() {
        for index in cells.indices { cells[index] = .unset }
        macroValues.removeAll(keepingCapacity: true)
        locals.removeAll(keepingCapacity: true)
        frameBase = 0
    }

    /// Installs the resolver that `name.field` calls for a ``Environment/declareLazyRecord(_:type:)``
    /// slot. It is called only for fields an expression reads, at most once per field and
    /// activation; throw ``EvaluationError/missingField(_:)`` for a field that has no value so that
    /// `??` and `has()` treat it as absent (returning `.null` does the same).
    public func bindFields(_ slot: VariableSlot, _ resolver: @escaping (String) throws(EvaluationError) -> Value) {
        bindFields(slot, to: ClosureFields(resolver))
    }

    /// ``bindFields(_:_:)`` through an object: the engine answers all the lazy records of one
    /// evaluation from one object it makes anyway, instead of a closure per record.
    public func bindFields(_ slot: VariableSlot, to source: any FieldSource) {
        store(.record(source, []), at: slot.index)
    }

    /// Gives this evaluation `budget` steps.
    public func limitSteps(to budget: Int) {
        self.budget = budget
        stepsLeft = budget
    }

    /// Continues the budget of `other` (a rule's `for_each` items, its scorers and policies
    /// share one budget per event and rule, in their own activations).
    public func continueBudget(of other: Activation) {
        budget = other.budget
        stepsLeft = other.stepsLeft
    }

    /// True once an evaluation in this activation ran out of its budget.
    public var isOverBudget: Bool { stepsLeft < 0 }

    /// The failure of an evaluation that ran out of its budget.
    public var budgetExceeded: EvaluationError {
        EvaluationError(
            message: "the evaluation budget of \(budget) steps ran out (limits.evaluation_budget in the rule set)",
            code: .budgetExceeded
        )
    }

    /// Takes `steps` from the budget; throws once it is spent. One subtraction and one
    /// comparison: it runs per comprehension element.
    @inline(__always)
    func spend(_ steps: Int, at range: SourceRange) throws(EvaluationError) {
        stepsLeft &-= steps
        if stepsLeft < 0 { throw budgetExceeded.located(at: range) }
    }

    private func store(_ cell: Cell, at index: Int) {
        // A macro may read the slot: what was remembered may no longer hold.
        if !macroValues.isEmpty { macroValues.removeAll(keepingCapacity: true) }
        if index >= cells.count { cells.append(contentsOf: repeatElement(.unset, count: index - cells.count + 1)) }
        cells[index] = cell
    }

    // MARK: - What an evaluation resolved (for explaining it)

    /// What a `let` binding resolved to in this activation: its value, the error it failed
    /// with, or nil when no expression read it. (For a plain variable, the value it was set to.)
    public func resolution(of slot: VariableSlot) -> Result<Value, EvaluationError>? {
        guard slot.index < cells.count else { return nil }
        switch cells[slot.index] {
        case .value(let value): return .success(value)
        case .failed(let failure): return .failure(failure.error)
        case .unset, .evaluating, .record: return nil
        }
    }

    /// The fields of a lazy record (``bindFields(_:_:)``) that expressions read in this
    /// activation, in the order first read. Fields whose resolver threw are not included.
    public func resolvedFields(of slot: VariableSlot) -> [(name: String, value: Value)] {
        guard slot.index < cells.count, case .record(_, let resolved) = cells[slot.index] else { return [] }
        return resolved
    }

    // MARK: - Reads by compiled expressions

    func value(at index: Int) -> Value {
        guard index < cells.count, case .value(let value) = cells[index] else { return .null }
        return value
    }

    /// A `let` binding's value, evaluating it on first read.
    func bound(at index: Int, name: String, expression: CompiledExpression) throws(EvaluationError) -> Value {
        if index >= cells.count { store(.unset, at: index) }
        switch cells[index] {
        case .value(let value): return value
        case .failed(let failure): throw failure.error
        case .evaluating:
            throw EvaluationError(message: "'\(name)' depends on itself", code: .failed)
        case .unset, .record:
            cells[index] = .evaluating
            do throws(EvaluationError) {
                let value = try expression.evaluate(self)
                cells[index] = .value(value)
                return value
            } catch {
                cells[index] = .failed(Failure(error))
                throw error
            }
        }
    }

    /// How many macro values this activation remembers (for tests of the memo).
    var rememberedMacroCount: Int { macroValues.count }

    /// A macro's value, evaluating it on first read (a failure is not remembered: the next use
    /// fails again, at its own place).
    func memoized(_ memo: MacroMemo, _ evaluate: Evaluator) throws(EvaluationError) -> Value {
        for known in macroValues where known.id == memo.id { return known.value }
        let value = try evaluate(self)
        macroValues.append((memo.id, value, memo.isShareable))
        return value
    }

    /// Takes over the macro values `parent` remembered that do not depend on its `let`
    /// bindings. Only for an activation whose variables of the same names and slots hold the
    /// same values as the parent's, set before this call: the engine's scorer activations,
    /// made for the rule's subject, event and instant. (Setting a slot afterwards forgets them,
    /// as it forgets any.) The fraud rule's scorer then reads its travel speed from the rule's
    /// evaluation instead of running the 12-hour filter again.
    public func inheritMacroValues(from parent: Activation) {
        for known in parent.macroValues where known.isShareable {
            if !macroValues.contains(where: { $0.id == known.id }) { macroValues.append(known) }
        }
    }

    /// One field of a lazy record, resolved on first read.
    func field(_ field: String, ofRecordAt index: Int, named name: String) throws(EvaluationError) -> Value {
        guard index < cells.count, case .record(let source, var resolved) = cells[index] else {
            throw EvaluationError(message: "no fields are bound for '\(name)'", code: .missingField)
        }
        if let known = resolved.first(where: { $0.name == field }) { return known.value }
        let value = try source.field(field, ofRecordAt: VariableSlot(index: index))
        // The resolver may have read other fields of this record meanwhile: add to what is there now.
        if case .record(_, let current) = cells[index] { resolved = current }
        cells[index] = .unset  // so that `resolved` is the only reference to its storage
        resolved.append((field, value))
        cells[index] = .record(source, resolved)
        return value
    }
}

/// Where a lazy record's fields come from (``Activation/bindFields(_:to:)``). Asked at most
/// once per field and activation; throw ``EvaluationError/missingField(_:)`` for a field that
/// has no value.
public protocol FieldSource: AnyObject {
    func field(_ name: String, ofRecordAt slot: VariableSlot) throws(EvaluationError) -> Value
}

/// A closure as a ``FieldSource``.
private final class ClosureFields: FieldSource {
    let resolver: (String) throws(EvaluationError) -> Value
    init(_ resolver: @escaping (String) throws(EvaluationError) -> Value) { self.resolver = resolver }
    func field(_ name: String, ofRecordAt slot: VariableSlot) throws(EvaluationError) -> Value { try resolver(name) }
}
