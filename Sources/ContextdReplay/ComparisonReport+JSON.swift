import ContextdEngine
import ContextdEvents

extension ComparisonReport {
    /// The report as one JSON object, for tools:
    ///
    /// ```json
    /// {"differences": true, "appear": 3, "disappear": 0, "change": 0,
    ///  "old": {"path": "rules", "rules": 3, "policies": 1, "tasks": 2, "errors": {}},
    ///  "new": {…}, "events": 12, "files": 2, "until": null,
    ///  "rules": [{"rule": "location-mismatch-fraud", "old_tasks": 2, "new_tasks": 5,
    ///             "appear": {"count": 3, "ids": […], "examples": [<task JSON>, …]},
    ///             "disappear": {…},
    ///             "change": {"count": 1, "ids": […], "examples": [{"id": …, "subject": …, "created_at": …,
    ///                        "fields": {"priority": {"old": 96.7, "new": 98.1}}, "old": <task>, "new": <task>}]}}]}
    /// ```
    /// `ids` lists every task of the kind; `examples` at most ``examples`` of them, as the
    /// outbox JSON of SPEC §3 (`contextd replay`'s lines).
    public var json: String {
        var object = JSONObject()
        object.add("differences", .bool(comparison.hasDifferences))
        object.add("appear", .number(Double(comparison.appeared)))
        object.add("disappear", .number(Double(comparison.disappeared)))
        object.add("change", .number(Double(comparison.changed)))
        object.add("old", raw: Self.json(old))
        object.add("new", raw: Self.json(new))
        object.add("events", .number(Double(events)))
        object.add("files", .number(Double(files)))
        object.add("until", until.map(Value.timestamp) ?? .null)
        object.add("rules", raw: "[" + comparison.rules.map(json(for:)).joined(separator: ",") + "]")
        return object.text
    }

    private static func json(_ side: Side) -> String {
        var object = JSONObject()
        object.add("path", .string(side.label))
        object.add("rules", .number(Double(side.rules)))
        object.add("policies", .number(Double(side.policies)))
        object.add("tasks", .number(Double(side.tasks)))
        object.add("errors", .object(side.errors.mapValues { .number(Double($0)) }))
        return object.text
    }

    private func json(for rule: RuleSetComparison.RuleDifference) -> String {
        func group(_ ids: [String], _ examples: [String]) -> String {
            var object = JSONObject()
            object.add("count", .number(Double(ids.count)))
            object.add("ids", .list(ids.map(Value.string)))
            object.add("examples", raw: "[" + examples.joined(separator: ",") + "]")
            return object.text
        }
        var object = JSONObject()
        object.add("rule", .string(rule.rule))
        object.add("old_tasks", .number(Double(rule.oldTasks)))
        object.add("new_tasks", .number(Double(rule.newTasks)))
        object.add("appear", raw: group(rule.appeared.map(\.id), rule.appeared.prefix(examples).map(\.json)))
        object.add("disappear", raw: group(rule.disappeared.map(\.id), rule.disappeared.prefix(examples).map(\.json)))
        object.add("change", raw: group(rule.changed.map(\.new.id), rule.changed.prefix(examples).map(Self.json(for:))))
        return object.text
    }

    private static func json(for change: RuleSetComparison.Change) -> String {
        var object = JSONObject()
        object.add("id", .string(change.new.id))
        object.add("subject", .string(change.new.subject))
        object.add("created_at", .timestamp(change.new.createdAt))
        var fields = JSONObject()
        for field in change.fields { fields.add(field.field, .object(["old": field.old, "new": field.new])) }
        object.add("fields", raw: fields.text)
        object.add("old", raw: change.old.json)
        object.add("new", raw: change.new.json)
        return object.text
    }
}

/// A JSON object written key by key, in the order added, mixing values and ready-made JSON.
private struct JSONObject {
    private var members: [String] = []

    mutating func add(_ key: String, _ value: Value) { add(key, raw: JSON.encode(value)) }

    mutating func add(_ key: String, raw: String) { members.append(JSON.encode(.string(key)) + ":" + raw) }

    var text: String { "{" + members.joined(separator: ",") + "}" }
}
