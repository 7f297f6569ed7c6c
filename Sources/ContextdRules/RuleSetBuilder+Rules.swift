import ContextdEngine
import ContextdEvents
import ContextdExpressions
import Yams

extension RuleSetBuilder {
    static let ruleFields = [
        "id", "description", "owner", "tags", "enabled", "on", "timer", "for_each", "let", "when", "task",
    ]
    static let taskFields = [
        "assignee", "where", "what", "why", "how", "priority", "evidence", "expires", "tags", "dedup", "data",
    ]

    func readRules() {
        var headers: [RuleHeader] = []
        for (order, (file, node)) in items(of: "rules").enumerated() {
            // The id first, in rule order: a duplicate is reported against the first rule with
            // that id, and the rest of the rule is still checked.
            guard let probe = MappingReader(node, file: file, log: log, what: "a rule", allowed: Self.ruleFields),
                let idNode = probe.required("id"), let id = probe.string("id")
            else { continue }
            let unique = checkUnique(id, kind: "rule", at: idNode, in: file, seen: &ruleNodes)
            headers.append(RuleHeader(order: order, reader: probe, id: id, unique: unique))
        }
        rules = RuleShards.read(headers, builder: self)
    }

    /// A rule whose id is read and checked; the rest is compiled by ``readRule(_:)``.
    struct RuleHeader {
        var order: Int
        /// The rule's mapping (its node and file).
        var reader: MappingReader
        var id: String
        var unique: Bool
    }

    /// A builder for a share of the rules, on another thread: the declarations read so far
    /// (copies, read only), its own diagnostic log.
    convenience init(readingRulesFor parent: RuleSetBuilder) {
        self.init(log: DiagnosticLog())
        eventSchemas = parent.eventSchemas
        base = parent.base
        contexts = parent.contexts
        contextType = parent.contextType
        scorers = parent.scorers
        scoreType = parent.scoreType
    }

    func readRule(_ header: RuleHeader) -> Rule? {
        let (node, file, id) = (header.reader.node, header.reader.file, header.id)
        let what = "rule '\(id)'"
        let reader = header.reader.reporting(to: log)
        let triggers = reader.strings("on") ?? []
        checkEventTypes(triggers, in: file)
        if triggers.isEmpty && reader["timer"] == nil {
            log.report(file.diagnostic(at: node, "\(what) never runs: give it event types under 'on' or a 'timer'"))
        }
        let on = Set(triggers.map(\.0))
        var scope = makeScope(event: eventType(for: on), context: true, score: true, task: false)
        let site = ExpressionSite(file: file, log: log)
        var forEach: Rule.ForEach?
        if let forEachNode = reader["for_each"] {
            forEach = readForEach(forEachNode, scope: &scope, what: what, in: file)
        }
        var timerEnvironment = scope.environment
        timerEnvironment.hide("event")
        let timer = reader["timer"].flatMap {
            site.expression($0, in: timerEnvironment, expecting: .timestamp,
                what: "'timer' of \(what) (a timer has no 'event': it is computed when context changes)")
        }
        let lets = reader["let"].map { bindLets($0, into: &scope, what: what, in: file) } ?? []
        let when = reader["when"].flatMap { site.conditionParts($0, in: scope.environment, what: "'when' of \(what)") }
        guard let taskNode = reader.required("task"), let task = readTask(taskNode, scope: scope, what: what, in: file)
        else { return nil }
        if reader.bool("enabled") == false || !header.unique { return nil }
        return Rule(id: id, description: reader.string("description") ?? "", owner: reader.string("owner"),
            tags: reader.strings("tags")?.map(\.0) ?? [], file: file.path, order: header.order, on: on,
            forEach: forEach, timer: timer, condition: when?.whole, conditions: when?.parts ?? [], lets: lets,
            task: task, scope: scope)
    }

    /// `for_each: {rent: context.payments.filter(p, p.value.category == "rent")}`.
    private func readForEach(_ node: Node, scope: inout EvaluationScope, what: String, in file: RuleFile)
        -> Rule.ForEach?
    {
        guard case .mapping(let mapping) = node, mapping.count == 1, let (nameNode, listNode) = mapping.first,
            let name = nameNode.string
        else {
            log.report(file.diagnostic(at: node,
                "'for_each' of \(what) must name one item and a list, e.g. for_each: {rent: context.payments}"))
            return nil
        }
        guard let items = ExpressionSite(file: file, log: log).expression(listNode, in: scope.environment,
            what: "'for_each' of \(what)")
        else { return nil }
        var element: ValueType = .dyn
        switch items.type {
        case .list(let inner): element = inner
        case .dyn: element = .dyn
        default:
            log.report(file.diagnostic(at: listNode, "'for_each' of \(what) must be a list, but it is \(items.type)"))
            return nil
        }
        scope.item = scope.environment.declare(name, type: element)
        return Rule.ForEach(name: name, items: items)
    }

    /// `let: {previous: …, km: …}`: named values, each usable by the ones after it, computed
    /// at most once per evaluation and only when used. Returns the bindings, in order.
    @discardableResult
    func bindLets(_ node: Node, into scope: inout EvaluationScope, what: String, in file: RuleFile) -> [Rule.Binding] {
        guard case .mapping(let mapping) = node else {
            log.report(file.diagnostic(at: node, "'let' of \(what) must be a mapping of names to expressions"))
            return []
        }
        let site = ExpressionSite(file: file, log: log)
        var bindings: [Rule.Binding] = []
        for (nameNode, valueNode) in mapping {
            guard let name = nameNode.string,
                let compiled = site.expression(valueNode, in: scope.environment, what: "'\(name)' in 'let' of \(what)")
            else { continue }
            let slot = scope.environment.bind(name, to: compiled)
            bindings.append(Rule.Binding(name: name, slot: slot, source: compiled.source))
        }
        return bindings
    }

    private func readTask(_ node: Node, scope: EvaluationScope, what: String, in file: RuleFile) -> TaskSpec? {
        let twhat = "the task of \(what)"
        guard let reader = MappingReader(node, file: file, log: log, what: twhat, allowed: Self.taskFields) else {
            return nil
        }
        let site = ExpressionSite(file: file, log: log)
        let env = scope.environment
        func template(_ key: String, required: Bool = true) -> Template? {
            guard let value = required ? reader.required(key) : reader[key] else { return nil }
            return site.template(value, in: env, what: "'\(key)' of \(twhat)")
        }
        let assignee = template("assignee")
        let channel = template("where")
        let whatText = template("what")
        let why = template("why")
        var how: [Template] = []
        if let howNode = reader["how"] {
            for (_, stepNode) in MappingReader.strings(howNode, file: file, log: log, what: "'how' of \(twhat)") {
                if let step = site.template(stepNode, in: env, what: "a step of 'how' of \(twhat)") { how.append(step) }
            }
        }
        let priority = reader.required("priority").flatMap {
            site.expression($0, in: env, expecting: .number, what: "'priority' of \(twhat)")
        }
        let evidence = reader["evidence"].flatMap { node -> CompiledExpression? in
            if case .sequence(let items) = node {
                for item in items { _ = site.expression(item, in: env, what: "an item of 'evidence' of \(twhat)") }
                let source = "[" + items.map { "(" + ($0.string ?? "null") + ")" }.joined(separator: ", ") + "]"
                return try? Expression.compile(source, in: env, expecting: nil).get()
            }
            return site.expression(node, in: env, what: "'evidence' of \(twhat)")
        }
        var dedup: TaskSpec.Dedup?
        if let dedupNode = reader["dedup"],
            let d = MappingReader(dedupNode, file: file, log: log, what: "'dedup' of \(twhat)", allowed: ["key", "window"]),
            let keyNode = d.required("key"), let key = site.template(keyNode, in: env, what: "'key' of 'dedup'")
        {
            dedup = TaskSpec.Dedup(key: key, window: d.duration("window"))
        }
        var data: [(name: String, value: CompiledExpression)] = []
        if let dataNode = reader["data"], let d = MappingReader(dataNode, file: file, log: log, what: "'data' of \(twhat)",
            allowed: [])
        {
            for (name, _, valueNode) in d.entries {
                if let value = site.expression(valueNode, in: env, what: "'\(name)' of 'data'") {
                    data.append((name, value))
                }
            }
        }
        guard let assignee, let channel, let whatText, let why, let priority else { return nil }
        return TaskSpec(assignee: assignee, where: channel, what: whatText, why: why, how: how, priority: priority,
            evidence: evidence, expires: reader.duration("expires"), tags: reader.strings("tags")?.map(\.0) ?? [],
            dedup: dedup, data: data)
    }
}
