public import ContextdEvents
public import ContextdExpressions

/// One operator-written rule: when it is evaluated, what must hold, and the task it proposes.
public struct Rule: Sendable {
    public var id: String
    public var description: String
    public var owner: String?
    public var tags: [String]
    public var file: String
    /// Position in the deterministic evaluation order (file path order, then file order).
    public var order: Int
    /// Event types that trigger an evaluation for the event's subject.
    public var on: Set<String>
    /// Evaluate once per item of this list (`for_each: {rent: context.payments...}`).
    public var forEach: ForEach?
    /// Also evaluate at this instant, computed per item (or once per entity without for_each),
    /// even when no event arrives then.
    public var timer: CompiledExpression?
    /// The whole `when` as one expression (the parts of a list joined with `&&`), for tools that
    /// show or count it; the engine evaluates ``conditions``.
    public var condition: CompiledExpression?
    /// The parts of `when`, in order (one part when `when` is a single expression). The engine
    /// evaluates them one by one and stops at the first that is not true, so an explanation can
    /// say which part held a rule back.
    public var conditions: [CompiledExpression]
    /// The `let` names, in order, with the slots their values are memoized in; read back after
    /// an evaluation to explain it.
    public var lets: [Binding]
    public var task: TaskSpec
    public var scope: EvaluationScope

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
    public var assignee: Template
    public var `where`: Template
    public var what: Template
    public var why: Template
    public var how: [Template]
    public var priority: CompiledExpression
    /// A list of event ids; defaults to the triggering event.
    public var evidence: CompiledExpression?
    public var expires: TimeSpan?
    public var tags: [String]
    public var dedup: Dedup?
    public var data: [(name: String, value: CompiledExpression)]

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
