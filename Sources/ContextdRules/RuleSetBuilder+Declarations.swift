import ContextdEngine
import ContextdEvents
import ContextdExpressions
import Yams

extension RuleSetBuilder {
    /// Types an event field may be declared with: what JSON can carry. A `timestamp` or
    /// `duration` field would arrive as a string and never compare as declared, so those are
    /// refused with the conversion to write instead.
    static let typeNames: [String: ValueType] = [
        "number": .number, "string": .string, "bool": .bool, "boolean": .bool, "date": .string, "any": .dyn,
        "list": .list(.dyn), "map": .map(.dyn),
    ]

    /// `events: {card.transaction: {amount: number, city: string}}`.
    ///
    /// The task outcome type (``TaskOutcome/eventType``) is declared here by contextd itself, so a
    /// rule or a test may name it, and `event.data.outcome` is checked, without every rule set
    /// repeating a declaration that must match what the daemon sends.
    func readEvents() {
        eventSchemas[TaskOutcome.eventType] = Dictionary(
            uniqueKeysWithValues: TaskOutcome.dataFields.map { ($0, ValueType.string) })
        var seen: [String: (file: String, line: Int)] = [:]
        for (file, type, keyNode, value) in entries(of: "events") {
            guard type != TaskOutcome.eventType else {
                log.report(file.diagnostic(at: keyNode, length: type.count,
                    "event type '\(type)' is built in (its data: \(TaskOutcome.dataFields.joined(separator: ", "))); "
                        + "remove this declaration"))
                continue
            }
            guard checkUnique(type, kind: "event type", at: keyNode, in: file, seen: &seen) else { continue }
            guard let reader = MappingReader(value, file: file, log: log, what: "event type '\(type)'", allowed: [])
            else { continue }
            var fields: [String: ValueType] = [:]
            for (field, _, typeNode) in reader.entries {
                if let name = typeNode.string, name == "timestamp" || name == "duration" {
                    log.report(file.diagnostic(at: typeNode, length: name.count,
                        "field '\(field)' of '\(type)' cannot be declared '\(name)': event data is JSON, where a "
                            + "\(name) arrives as a string; declare it 'string' and convert where it is used, "
                            + "e.g. \(name)(event.data.\(field))"))
                    fields[field] = .string
                    continue
                }
                guard let name = typeNode.string, let fieldType = Self.typeNames[name] else {
                    let given = typeNode.string ?? "?"
                    log.report(file.diagnostic(at: typeNode, length: given.count,
                        "unknown type '\(given)' for field '\(field)'"
                            + Suggestion.phrase(for: given, among: Self.typeNames.keys.sorted())
                            + " (types: \(Self.typeNames.keys.sorted().joined(separator: ", ")))"))
                    fields[field] = .dyn
                    continue
                }
                fields[field] = fieldType
            }
            eventSchemas[type] = fields
        }
    }

    /// `lists: {premium_merchants: [a, b]}`: named constants usable with `in`.
    func readLists() {
        var seen: [String: (file: String, line: Int)] = [:]
        for (file, name, keyNode, value) in entries(of: "lists") {
            guard checkUnique(name, kind: "list", at: keyNode, in: file, seen: &seen) else { continue }
            guard case .sequence(let sequence) = value else {
                log.report(file.diagnostic(at: value, "list '\(name)' must be a YAML list"))
                continue
            }
            base.defineConstant(name, value: .list(sequence.map(Self.constant)))
        }
    }

    static func constant(_ node: Node) -> Value {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let number = Double(scalar.string) { return .number(number) }
                if scalar.string == "true" { return .bool(true) }
                if scalar.string == "false" { return .bool(false) }
            }
            return .string(scalar.string)
        case .sequence(let sequence): return .list(sequence.map(constant))
        case .mapping(let mapping):
            var object: [String: Value] = [:]
            for (key, value) in mapping { if let k = key.string { object[k] = constant(value) } }
            return .object(object)
        case .alias: return .null
        }
    }

    /// `macros: {travel_km: distance_km(previous.value, event.data)}`: named expressions.
    func readMacros() {
        var seen: [String: (file: String, line: Int)] = [:]
        for (file, name, keyNode, value) in entries(of: "macros") {
            guard checkUnique(name, kind: "macro", at: keyNode, in: file, seen: &seen) else { continue }
            guard case .scalar(let scalar) = value else {
                log.report(file.diagnostic(at: value, "macro '\(name)' must be an expression (a string)"))
                continue
            }
            do {
                try base.defineMacro(name, source: scalar.string)
            } catch {
                ExpressionSite(file: file, log: log).report(error, in: value)
            }
        }
    }

    /// The type rules see for `event` when triggered by `types`: data fields are checked when
    /// every type is declared under `events`, otherwise data is dynamic.
    func eventType(for given: Set<String>) -> ValueType {
        var data: ValueType = .dyn
        // A near miss of a declared type is already reported as a typo; type the data as the
        // type it was meant to be, so that the same rule's field typos are reported too.
        let types = Set(given.map { eventSchemas[$0] == nil ? Suggestion.closest(to: $0, among: eventSchemas.keys) ?? $0 : $0 })
        if !types.isEmpty, types.allSatisfy({ eventSchemas[$0] != nil }) {
            var fields: [String: ValueType] = [:]
            for type in types.sorted() {
                for (name, fieldType) in eventSchemas[type] ?? [:] {
                    if let existing = fields[name], existing != fieldType { fields[name] = .dyn } else {
                        fields[name] = fieldType
                    }
                }
            }
            data = .record(RecordType(name: "event.data", fields: fields, isOpen: false))
        }
        return .record(RecordType(name: "event", fields: [
            "id": .string, "source": .string, "type": .string, "subject": .string, "time": .timestamp,
            "kind": .string, "data": data,
        ], isOpen: true))
    }

    /// Checks event type names against the declared schemas; a near miss of a declared type is
    /// almost certainly a typo, so it is an error.
    func checkEventTypes(_ types: [(String, Node)], in file: RuleFile) {
        guard !eventSchemas.isEmpty else { return }
        for (type, node) in types where eventSchemas[type] == nil {
            if let close = Suggestion.closest(to: type, among: eventSchemas.keys) {
                log.report(file.diagnostic(at: node, length: type.count,
                    "unknown event type '\(type)'; did you mean '\(close)'? (declare new types under 'events:')"))
            }
        }
    }

    static let taskType = RecordType(name: "task", fields: [
        "id": .string, "rule": .string, "subject": .string, "assignee": .string, "priority": .number,
        "what": .string, "where": .string, "how": .list(.string), "why": .string, "scores": .map(.number),
        "evidence": .list(.string), "created_at": .timestamp, "not_before": .timestamp, "expires_at": .timestamp,
        "deferred_by": .string, "tags": .list(.string), "data": .map(.dyn),
    ], isOpen: false)

    /// A scope with the slots every kind of expression shares, declared in one fixed order.
    func makeScope(event: ValueType?, context: Bool, score: Bool, task: Bool) -> EvaluationScope {
        var environment = base
        var scope = EvaluationScope(environment: environment)
        if let event { scope.event = environment.declare("event", type: event) }
        scope.now = environment.declare("now", type: .timestamp)
        scope.subject = environment.declare("subject", type: .string)
        if context { scope.context = environment.declareLazyRecord("context", type: contextType) }
        if score { scope.score = environment.declareLazyRecord("score", type: scoreType) }
        if task { scope.task = environment.declare("task", type: .record(Self.taskType)) }
        scope.environment = environment
        return scope
    }
}
