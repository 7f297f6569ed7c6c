import ContextdEvents
import ContextdExpressions

extension Engine {
    /// Passes a candidate task through every policy, then the rule's own dedup; emits it or
    /// records which policy stopped it. Dedup and limit windows count only emitted tasks.
    func submit(_ task: inout TaskRecord, rule: Rule, activation ruleActivation: Activation) {
        var claims: [(key: String, limitWindow: TimeSpan?)] = []
        for policy in ruleSet.policies {
            if let rules = policy.rules, !rules.contains(task.rule) { continue }
            do {
                if let stopped = try apply(policy, to: &task, claims: &claims) {
                    suppress(task, policy: stopped)
                    return
                }
            } catch {
                record(fault: "policy '\(policy.id)': \(error.message)", rule: task.rule, eventID: task.evidence.last)
            }
        }
        if let dedup = rule.task.dedup {
            do {
                let key = "rule:" + rule.id + Engine.keySeparator + (try dedup.key.render(ruleActivation))
                if isDuplicate(key: key, window: dedup.window, at: task.createdAt) {
                    suppress(task, policy: "dedup")
                    return
                }
                claims.append((key, nil))
            } catch {
                record(fault: "dedup key: \(error.message)", rule: rule.id, eventID: task.evidence.last)
            }
        }
        for claim in claims {
            if let window = claim.limitWindow {
                // Keep only what a window ending at a task this late could still count.
                let horizon = task.createdAt - window - Engine.windowLateness
                limitIndex[claim.key] = (limitIndex[claim.key] ?? []).filter { $0 > horizon } + [task.createdAt]
                if recordsChanges { touchedLimitKeys.insert(claim.key) }
            } else {
                dedupIndex[claim.key] = task.createdAt
                if recordsChanges { touchedDedupKeys.insert(claim.key) }
            }
        }
        emit(task)
    }

    /// Applies one policy; returns its id when it stops the task.
    private func apply(_ policy: TaskPolicy, to task: inout TaskRecord, claims: inout [(key: String, limitWindow: TimeSpan?)])
        throws(EvaluationError) -> String?
    {
        let activation = makeActivation(
            policy.scope, subject: task.subject, eventValue: nil, now: task.createdAt, scores: nil)
        if let slot = policy.scope.task { activation.set(slot, task.asValue) }
        if let appliesTo = policy.appliesTo, try appliesTo.evaluate(activation) != .bool(true) { return nil }
        func holds(_ condition: CompiledExpression?) throws(EvaluationError) -> Bool {
            guard let condition else { return true }
            return try condition.evaluate(activation) == .bool(true)
        }
        switch policy.action {
        case .defer(let when, let until, _):
            guard try holds(when) else { return nil }
            guard case .timestamp(let notBefore) = try until.evaluate(activation) else { return nil }
            if notBefore > task.createdAt, notBefore > (task.notBefore ?? task.createdAt) {
                task.notBefore = notBefore
                task.deferredBy = policy.id
            }
        case .suppress(let when, let limit):
            guard try holds(when) else { return nil }
            guard let limit else { return policy.id }
            let key = "limit:" + policy.id + Engine.keySeparator + (try limit.key.render(activation))
            let recent = (limitIndex[key] ?? []).filter { $0 > task.createdAt - limit.per && $0 <= task.createdAt }
            if recent.count >= limit.count { return policy.id }
            claims.append((key, limit.per))
        case .dedup(let keyTemplate, let window):
            let key = "policy:" + policy.id + Engine.keySeparator + (try keyTemplate.render(activation))
            if isDuplicate(key: key, window: window, at: task.createdAt) { return policy.id }
            claims.append((key, nil))
        case .expire(let after):
            if task.expiresAt == nil { task.expiresAt = task.createdAt + after }
        case .route(let when, let assignee):
            if try holds(when) { task.assignee = try assignee.render(activation) }
        }
        return nil
    }

    private func isDuplicate(key: String, window: TimeSpan?, at time: Timestamp) -> Bool {
        guard let last = dedupIndex[key] else { return false }
        guard let window else { return true }
        let gap = time - last
        return abs(gap.milliseconds) < window.milliseconds
    }

    private func emit(_ task: TaskRecord) {
        statistics.tasksCreated += 1
        statistics.rules[task.rule, default: RuleStatistics()].tasks += 1
        if let notBefore = task.notBefore, task.deferredBy != nil, clock.map({ notBefore > $0 }) ?? true {
            deferred[task.id] = task
            deferredByAssignee[task.assignee, default: []].insert(task.id)
        }
        changes.append(.created(task))
    }

    private func suppress(_ task: TaskRecord, policy: String) {
        statistics.tasksSuppressed += 1
        statistics.rules[task.rule, default: RuleStatistics()].suppressed += 1
        changes.append(.suppressed(task, policy: policy))
    }
}
