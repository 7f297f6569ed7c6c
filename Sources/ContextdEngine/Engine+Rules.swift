import ContextdEvents
import ContextdExpressions

extension Engine {
    /// Evaluates one rule for one entity: once, or once per `for_each` item (only the item
    /// `onlyKey` when a timer fired for it).
    func evaluate(
        _ rule: Rule, subject: String, event: Event?, eventValue: Value?, now: Timestamp, onlyKey: String? = nil
    ) {
        let started = monotonicClock?()
        defer {
            if let started, let monotonicClock {
                statistics.rules[rule.id, default: RuleStatistics()].nanoseconds += monotonicClock() &- started
            }
        }
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
            if let observer {
                var evaluation = RuleEvaluation(rule: rule.id, subject: subject, trigger: .init(event, now), now: now,
                    item: nil)
                evaluation.error = "for_each: \(error.description)"
                observer.didEvaluate(evaluation)
            }
            return
        }
        for item in items {
            let key = Engine.itemKey(item)
            if let onlyKey, key != onlyKey { continue }
            evaluate(
                rule, subject: subject, event: event, eventValue: eventValue, now: now, item: (itemSlot, item, key),
                budget: base)
            // The items share one budget: once it ran out (one fault recorded), the rest are not tried.
            if base.isOverBudget { return }
        }
    }

    /// `budget`: the activation whose budget this evaluation continues (and gives back), the
    /// `for_each` list's; nil for a rule without one, which starts a budget of its own.
    private func evaluate(
        _ rule: Rule, subject: String, event: Event?, eventValue: Value?, now: Timestamp,
        item: (slot: VariableSlot, value: Value, key: String)?, budget: Activation? = nil
    ) {
        let scores = ScoreMemo()
        let activation = makeActivation(rule.scope, subject: subject, eventValue: eventValue, now: now, scores: scores)
        if let budget { activation.continueBudget(of: budget) }
        defer { budget?.continueBudget(of: activation) }
        if let item { activation.set(item.slot, item.value) }
        statistics.rules[rule.id, default: RuleStatistics()].evaluations += 1
        func observed() -> RuleEvaluation {
            RuleEvaluation(rule: rule.id, subject: subject, trigger: .init(event, now), now: now, item: item?.key)
        }
        var evaluation = observer?.observesEveryEvaluation == true ? observed() : nil
        do {
            guard try conditionsHold(rule, activation, noting: &evaluation) else {
                report(&evaluation, rule: rule, activation: activation, scores: scores)
                return
            }
            statistics.rules[rule.id, default: RuleStatistics()].matches += 1
            if evaluation == nil, observer != nil {
                // Observed from here on: every part of `when` held.
                evaluation = observed()
                evaluation?.conditions = rule.conditions.map { .init(source: $0.source, outcome: .value(.bool(true))) }
            }
            evaluation?.matched = true
            var task = try makeTask(rule, subject: subject, event: event, now: now, itemKey: item?.key,
                activation: activation, scores: scores)
            evaluation?.candidate = task
            report(&evaluation, rule: rule, activation: activation, scores: scores)
            submit(&task, rule: rule, activation: activation)
        } catch {
            record(fault: error.message, rule: rule.id, eventID: event?.id)
            evaluation?.error = error.description
            report(&evaluation, rule: rule, activation: activation, scores: scores)
        }
    }

    /// Evaluates the parts of `when` in order and stops at the first that is not true (false or
    /// null), as `&&` would; an observed evaluation notes every part's outcome.
    private func conditionsHold(_ rule: Rule, _ activation: Activation, noting evaluation: inout RuleEvaluation?)
        throws(EvaluationError) -> Bool
    {
        for (index, condition) in rule.conditions.enumerated() {
            let value: Value
            do {
                value = try condition.evaluate(activation)
            } catch {
                evaluation?.conditions.append(.init(source: condition.source, outcome: .failed(error.description)))
                evaluation?.conditions += Self.notEvaluated(rule.conditions[(index + 1)...])
                throw error
            }
            evaluation?.conditions.append(.init(source: condition.source, outcome: .value(value)))
            if value != .bool(true) {
                evaluation?.conditions += Self.notEvaluated(rule.conditions[(index + 1)...])
                return false
            }
        }
        return true
    }

    private static func notEvaluated(_ parts: ArraySlice<CompiledExpression>) -> [RuleEvaluation.Condition] {
        parts.map { RuleEvaluation.Condition(source: $0.source, outcome: .notEvaluated) }
    }

    /// Hands an observed evaluation to the observer, with what its activation resolved: the
    /// `let` bindings and `context` fields it read, and the scores it computed.
    private func report(_ evaluation: inout RuleEvaluation?, rule: Rule, activation: Activation, scores: ScoreMemo) {
        guard var observed = evaluation, let observer else { return }
        evaluation = nil
        for binding in rule.lets {
            switch activation.resolution(of: binding.slot) {
            case .success(let value)?: observed.lets.append(.init(name: binding.name, value: value))
            case .failure(let error)?:
                observed.lets.append(.init(name: binding.name, value: nil, error: error.description))
            case nil: continue
            }
        }
        if let slot = rule.scope.context {
            observed.context = activation.resolvedFields(of: slot).map { .init(name: $0.name, value: $0.value) }
        }
        observed.scores = scores.scores
        observer.didEvaluate(observed)
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
            expiresAt: spec.expires.map { (now + $0).clampedToRFC3339 }, deferredBy: nil, tags: spec.tags, data: data)
    }

    /// The identity of a `for_each` item: its `key` when it has one (collection items), else its JSON.
    static func itemKey(_ item: Value) -> String {
        if case .string(let key) = item["key"] { return key }
        return JSON.encode(item)
    }
}

extension RuleEvaluation.Trigger {
    init(_ event: Event?, _ now: Timestamp) {
        if let event {
            self = .event(id: event.id, source: event.source, type: event.type, time: event.time)
        } else {
            self = .timer(at: now)
        }
    }
}
