import ContextdEvents
import ContextdExpressions

extension Engine {
    /// Evaluates one rule for one entity: once, or once per `for_each` item (only the item
    /// `onlyKey` when a timer fired for it).
    func evaluate(
        _ rule: Rule, subject: String, event: Event?, eventValue: Value?, now: Timestamp, onlyKey: String? = nil
    ) {
        guard let forEach = rule.forEach, let itemSlot = rule.scope.item else {
            evaluate(rule, subject: subject, event: event, eventValue: eventValue, now: now, item: nil)
            return
        }
        let base = makeActivation(rule.scope, subject: subject, eventValue: eventValue, now: now, scores: nil)
        let items: [Value]
        do {
            guard case .list(let list) = try forEach.items.evaluate(base) else { return }
            items = list
        } catch {
            record(fault: "for_each: \(error.message)", rule: rule.id, eventID: event?.id)
            return
        }
        for item in items {
            let key = Engine.itemKey(item)
            if let onlyKey, key != onlyKey { continue }
            evaluate(rule, subject: subject, event: event, eventValue: eventValue, now: now, item: (itemSlot, item, key))
        }
    }

    private func evaluate(
        _ rule: Rule, subject: String, event: Event?, eventValue: Value?, now: Timestamp,
        item: (slot: VariableSlot, value: Value, key: String)?
    ) {
        let scores = ScoreMemo()
        let activation = makeActivation(rule.scope, subject: subject, eventValue: eventValue, now: now, scores: scores)
        if let item { activation.set(item.slot, item.value) }
        statistics.rules[rule.id, default: RuleStatistics()].evaluations += 1
        do {
            if let condition = rule.condition, try condition.evaluate(activation) != .bool(true) { return }
            statistics.rules[rule.id, default: RuleStatistics()].matches += 1
            var task = try makeTask(rule, subject: subject, event: event, now: now, itemKey: item?.key,
                activation: activation, scores: scores)
            submit(&task, rule: rule, activation: activation)
        } catch {
            record(fault: error.message, rule: rule.id, eventID: event?.id)
        }
    }

    private func makeTask(
        _ rule: Rule, subject: String, event: Event?, now: Timestamp, itemKey: String?, activation: Activation,
        scores: ScoreMemo
    ) throws(EvaluationError) -> TaskRecord {
        let spec = rule.task
        let priorityValue = try spec.priority.evaluate(activation)
        guard case .number(let rawPriority) = priorityValue, rawPriority.isFinite else {
            throw EvaluationError(
                message: "priority is \(priorityValue.kindName), expected a number", range: SourceRange(start: 0, end: 0))
        }
        var evidence: [String] = []
        if let expression = spec.evidence {
            if case .list(let ids) = try expression.evaluate(activation) {
                evidence = ids.compactMap(\.stringValue)
            }
        } else if let event {
            evidence = [event.id]
        }
        var data: [String: Value] = [:]
        for (name, expression) in spec.data { data[name] = try expression.evaluate(activation) }
        var how: [String] = []
        for step in spec.how { how.append(try step.render(activation)) }
        let what = try spec.what.render(activation)
        let why = try spec.why.render(activation)
        let assignee = try spec.assignee.render(activation)
        let channel = try spec.where.render(activation)
        // Scores may be first read by the templates above, so collect them last.
        let id = TaskID.make([rule.id, subject, now.rfc3339, itemKey ?? "", evidence.joined(separator: ",")])
        return TaskRecord(
            id: id, rule: rule.id, subject: subject, assignee: assignee,
            priority: TaskRecord.rounded(min(100, max(0, rawPriority)), 1), what: what, where: channel, how: how,
            why: why, scores: scores.scores, evidence: evidence, createdAt: now, notBefore: nil,
            expiresAt: spec.expires.map { now + $0 }, deferredBy: nil, tags: spec.tags, data: data)
    }

    /// The identity of a `for_each` item: its `key` when it has one (collection items), else its JSON.
    static func itemKey(_ item: Value) -> String {
        if case .string(let key) = item["key"] { return key }
        return JSON.encode(item)
    }
}
