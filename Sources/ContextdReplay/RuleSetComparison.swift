public import ContextdEngine
public import ContextdEvents

/// What a rule change does to the tasks of one history: the tasks that appear (only with the
/// new rules), disappear (only with the old) and change, grouped by rule — `contextd diff`.
///
/// Tasks are matched by id. Ids are deterministic (rule, subject, `created_at`, `for_each` key
/// and evidence), so a task both rule sets create has the same id on both sides; a task whose
/// evidence or creation time moves is a different task, and shows as one disappearing and one
/// appearing. A matched task "changes" when one of ``comparedFields`` differs.
public struct RuleSetComparison: Sendable {
    /// The task fields a change review is about: who gets the task, through which channel, how
    /// urgent it is and when it may be handed out. Texts (`what`, `why`) are not compared.
    public static let comparedFields = ["priority", "not_before", "assignee", "where", "expires_at", "deferred_by"]

    /// One field of a task that differs between the two rule sets.
    public struct FieldChange: Sendable, Hashable {
        public var field: String
        public var old: Value
        public var new: Value
    }

    /// A task both rule sets create, with different values in some of ``comparedFields``.
    public struct Change: Sendable, Hashable {
        public var old: TaskRecord
        public var new: TaskRecord
        public var fields: [FieldChange]
    }

    /// The differences of one rule.
    public struct RuleDifference: Sendable {
        public var rule: String
        public var oldTasks = 0
        public var newTasks = 0
        public var appeared: [TaskRecord] = []
        public var disappeared: [TaskRecord] = []
        public var changed: [Change] = []

        public var hasDifferences: Bool { !appeared.isEmpty || !disappeared.isEmpty || !changed.isEmpty }
    }

    /// One entry per rule, in `ruleOrder` and then any other rule that made tasks (by name).
    public private(set) var rules: [RuleDifference]

    public var appeared: Int { rules.reduce(0) { $0 + $1.appeared.count } }
    public var disappeared: Int { rules.reduce(0) { $0 + $1.disappeared.count } }
    public var changed: Int { rules.reduce(0) { $0 + $1.changed.count } }
    public var hasDifferences: Bool { rules.contains { $0.hasDifferences } }

    /// Compares the final tasks of two replays of the same events; each list in creation order.
    public init(old: [TaskRecord], new: [TaskRecord], ruleOrder: [String] = []) {
        var byRule: [String: RuleDifference] = [:]
        func update(_ rule: String, _ body: (inout RuleDifference) -> Void) {
            body(&byRule[rule, default: RuleDifference(rule: rule)])
        }
        let oldByID = Self.firstByID(old)
        let newByID = Self.firstByID(new)
        var compared: Set<String> = []
        for task in old {
            update(task.rule) { $0.oldTasks += 1 }
            guard compared.insert(task.id).inserted else { continue }  // a repeated id is compared once
            guard let counterpart = newByID[task.id] else {
                update(task.rule) { $0.disappeared.append(task) }
                continue
            }
            let fields = Self.fieldChanges(from: task, to: counterpart)
            if !fields.isEmpty {
                update(task.rule) { $0.changed.append(Change(old: task, new: counterpart, fields: fields)) }
            }
        }
        var added: Set<String> = []
        for task in new {
            update(task.rule) { $0.newTasks += 1 }
            if oldByID[task.id] == nil, added.insert(task.id).inserted {
                update(task.rule) { $0.appeared.append(task) }
            }
        }
        var ordered: [RuleDifference] = []
        var seen: Set<String> = []
        for rule in ruleOrder where seen.insert(rule).inserted {
            ordered.append(byRule[rule] ?? RuleDifference(rule: rule))
        }
        for rule in byRule.keys.sorted() where seen.insert(rule).inserted { ordered.append(byRule[rule]!) }
        rules = ordered
    }

    /// The compared fields whose values differ, in ``comparedFields`` order.
    public static func fieldChanges(from old: TaskRecord, to new: TaskRecord) -> [FieldChange] {
        comparedFields.compactMap { field in
            let before = value(of: field, in: old)
            let after = value(of: field, in: new)
            return before == after ? nil : FieldChange(field: field, old: before, new: after)
        }
    }

    static func value(of field: String, in task: TaskRecord) -> Value {
        switch field {
        case "priority": .number(task.priority)
        case "not_before": task.notBefore.map(Value.timestamp) ?? .null
        case "assignee": .string(task.assignee)
        case "where": .string(task.where)
        case "expires_at": task.expiresAt.map(Value.timestamp) ?? .null
        case "deferred_by": task.deferredBy.map(Value.string) ?? .null
        default: .null
        }
    }

    private static func firstByID(_ tasks: [TaskRecord]) -> [String: TaskRecord] {
        var result: [String: TaskRecord] = [:]
        for task in tasks where result[task.id] == nil { result[task.id] = task }
        return result
    }
}
