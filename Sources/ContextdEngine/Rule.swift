public import ContextdEvents
public import ContextdExpressions

/// One operator-written rule: when it is evaluated, what must hold, and the task it proposes.
///
/// A class, immutable once loaded: the engine hands a rule to every evaluation, and copying
/// a struct of this many fields retained each of them (4 % of `replay`'s instructions).
public final class Rule: Sendable {
    public let id: String
    public let description: String
    public let owner: String?
    public let tags: [String]
    public let file: String
    /// Position in the deterministic evaluation order (file path order, then file order).
    public let order: Int
    /// Event types that trigger an evaluation for the event's subject.
    public let on: Set<String>
    /// Evaluate once per item of this list (`for_each: {rent: context.payments...}`).
    public let forEach: ForEach?
    /// Also evaluate at this instant, computed per item (or once per entity without for_each),
    /// even when no event arrives then.
    public let timer: CompiledExpression?
    /// The whole `when` as one expression (the parts of a list joined with `&&`), for tools that
    /// show or count it; the engine evaluates ``conditions``.
    public let condition: CompiledExpression?
    /// The parts of `when`, in order (one part when `when` is a single expression). The engine
    /// evaluates them one by one and stops at the first that is not true, so an explanation can
    /// say which part held a rule back.
    public let conditions: [CompiledExpression]
    /// The `let` names, in order, with the slots their values are memoized in; read back after
    /// an evaluation to explain it.
    public let lets: [Binding]
    public let task: TaskSpec
    public let scope: EvaluationScope

    public struct ForEach: Sendable {
        public var name: String
        public var items: CompiledExpression
        public init(name: String, items: CompiledExpression) {
            self.name = name
            self.items = items
        }
    }

    /// A `let` binding: its name, the slot its value is kept in, and its source text.
    public struct Binding: Sendable {
        public var name: String
        public var slot: VariableSlot
        public var source: String
        public init(name: String, slot: VariableSlot, source: String) {
            self.name = name
            self.slot = slot
            self.source = source
        }
    }

    /// `conditions` defaults to `condition` as its only part.
    public init(
        id: String, description: String, owner: String?, tags: [String], file: String, order: Int, on: Set<String>,
        forEach: ForEach?, timer: CompiledExpression?, condition: CompiledExpression?,
        conditions: [CompiledExpression]? = nil, lets: [Binding] = [], task: TaskSpec, scope: EvaluationScope
    ) {
        self.id = id
        self.description = description
        self.owner = owner
        self.tags = tags
        self.file = file
        self.order = order
        self.on = on
        self.forEach = forEach
        self.timer = timer
        self.condition = condition
        self.conditions = conditions ?? condition.map { [$0] } ?? []
        self.lets = lets
        self.task = task
        self.scope = scope
    }
}

/// What a rule's task says, as templates and expressions compiled in the rule's scope.
public struct TaskSpec: Sendable {
    public let assignee: Template
    public let `where`: Template
    public let what: Template
    public let why: Template
    public let how: [Template]
    public let priority: CompiledExpression
    /// A list of event ids; defaults to the triggering event.
    public let evidence: CompiledExpression?
    public let expires: TimeSpan?
    public let tags: [String]
    public let dedup: Dedup?
    public let data: [(name: String, value: CompiledExpression)]

    /// At most one task per key per window; a nil window means for ever.
    public struct Dedup: Sendable {
        public var key: Template
        public var window: TimeSpan?
        public init(key: Template, window: TimeSpan?) {
            self.key = key
            self.window = window
        }
    }

    public init(
        assignee: Template, where: Template, what: Template, why: Template, how: [Template],
        priority: CompiledExpression, evidence: CompiledExpression?, expires: TimeSpan?, tags: [String], dedup: Dedup?,
        data: [(name: String, value: CompiledExpression)]
    ) {
        self.assignee = assignee
        self.where = `where`
        self.what = what
        self.why = why
        self.how = how
        self.priority = priority
        self.evidence = evidence
        self.expires = expires
        self.tags = tags
        self.dedup = dedup
        self.data = data
    }
}
