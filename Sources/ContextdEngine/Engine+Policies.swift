import ContextdEvents
import ContextdExpressions

extension Engine {
    /// A key a task takes once it is emitted: a dedup key (no window: its time is the latest),
    /// or a limit or contact key (its times are kept for the window).
    typealias PolicyClaim = (key: String, limitWindow: TimeSpan?)

    /// Passes a candidate task through every policy, then the rule's own dedup; emits it or
    /// records which policy stopped it. Dedup and limit windows count only emitted tasks.
    func submit(_ task: inout TaskRecord, rule: Rule, activation ruleActivation: Activation) {
        var claims: [PolicyClaim] = []
        for policy in ruleSet.policies {
            let effect: PolicyStep.Effect
            if let rules = policy.rules, !rules.contains(task.rule) {
                effect = .notApplicable(.ruleNotListed)
            } else {
                do {
                    effect = try apply(policy, to: &task, claims: &claims, budget: ruleActivation)
                } catch {
                    record(fault: "policy '\(policy.id)': \(error.message)", rule: task.rule,
                        eventID: task.evidence.last)
                    effect = .failed(error.description)
                }
            }
            observer?.didApply(PolicyStep(policy: policy.id, kind: policy.action.kind, rule: task.rule, task: task.id,
                effect: effect))
            if effect.stops {
                suppress(task, policy: policy.id)
                return
            }
        }
        if stopsDeferredPastExpiry(task) { return }
        if let dedup = rule.task.dedup {
            let effect: PolicyStep.Effect
            do {
                let rendered = try dedup.key.render(ruleActivation)
                let key = Engine.keyPrefix("rule", rule.id) + rendered
                if let previous = previousEmission(key: key, window: dedup.window, at: task.createdAt) {
                    effect = .deduplicated(key: rendered, previous: previous, window: dedup.window)
                } else {
                    claims.append((key, nil))
                    effect = .firstForKey(key: rendered, window: dedup.window)
                }
            } catch {
                record(fault: "dedup key: \(error.message)", rule: rule.id, eventID: task.evidence.last)
                effect = .failed(error.description)
            }
            observer?.didApply(
                PolicyStep(policy: "dedup", kind: .ruleDedup, rule: rule.id, task: task.id, effect: effect))
            if effect.stops {
                suppress(task, policy: "dedup")
                return
            }
        }
        for claim in claims {
            if let window = claim.limitWindow {
                // Keep only what a window ending at a task this late could still count.
                let horizon = task.createdAt - window - allowedLateness
                limitIndex[claim.key] = (limitIndex[claim.key] ?? []).filter { $0 > horizon } + [task.createdAt]
                if recordsChanges { touchedLimitKeys.insert(claim.key) }
            } else {
                claimDedupKey(claim.key, at: task.createdAt)
            }
        }
        emit(task)
    }

    /// Stops a task that every policy let through but a deferral left due at or after its own
    /// expiry: no one could ever be handed it (decision 0012). Judged here, once the policies
    /// ran, since an `expire` policy after the defer may set the expiry; named after the defer
    /// policy, which is what an operator changes.
    private func stopsDeferredPastExpiry(_ task: TaskRecord) -> Bool {
        guard let notBefore = task.notBefore, let expiresAt = task.expiresAt, notBefore >= expiresAt,
            let policy = task.deferredBy
        else { return false }
        observer?.didApply(PolicyStep(policy: policy, kind: .defer, rule: task.rule, task: task.id,
            effect: .deferredPastExpiry(notBefore: notBefore, expiresAt: expiresAt)))
        suppress(task, policy: policy)
        return true
    }

    /// Tasks counted under a limit or contact key in `(time − window, time]`.
    func emissions(under key: String, within window: TimeSpan, at time: Timestamp) -> Int {
        if sharedKeys != nil { freshenLimitKey(key) }
        return (limitIndex[key] ?? []).count { $0 > time - window && $0 <= time }
    }

    /// Records `key` in the dedup index (a rule's dedup key, or an outcome) as of `time`.
    func claimDedupKey(_ key: String, at time: Timestamp) {
        dedupIndex[key] = time
        if recordsChanges { touchedDedupKeys.insert(key) }
    }

    /// Applies one policy to a task its `rules` allow; says what it did. Its expressions spend
    /// from the budget of the rule's evaluation (`budget`).
    private func apply(
        _ policy: TaskPolicy, to task: inout TaskRecord, claims: inout [PolicyClaim], budget: Activation
    ) throws(EvaluationError) -> PolicyStep.Effect
    {
        // Made on first use: a contact cap or a cooldown without `applies_to` evaluates nothing,
        // and the task as a value (`task.asValue`) is the costliest part of an activation.
        var made: Activation?
        func activation() -> Activation {
            if let made { return made }
            let activation = makeActivation(
                policy.scope, subject: task.subject, eventValue: nil, now: task.createdAt, scores: nil)
            if let slot = policy.scope.task { activation.set(slot, task.asValue) }
            activation.continueBudget(of: budget)
            made = activation
            return activation
        }
        defer { if let made { budget.continueBudget(of: made) } }
        if let appliesTo = policy.appliesTo, try appliesTo.evaluate(activation()) != .bool(true) {
            return .notApplicable(.appliesTo)
        }
        func holds(_ condition: CompiledExpression?) throws(EvaluationError) -> Bool {
            guard let condition else { return true }
            return try condition.evaluate(activation()) == .bool(true)
        }
        switch policy.action {
        case .defer(let when, let until, _):
            guard try holds(when) else { return .notApplicable(.when) }
            let untilValue = try until.evaluate(activation())
            guard case .timestamp(let notBefore) = untilValue, notBefore > task.createdAt,
                notBefore > (task.notBefore ?? task.createdAt)
            else { return .notDeferred(until: untilValue) }
            task.notBefore = notBefore
            task.deferredBy = policy.id
            return .deferred(until: notBefore)
        case .suppress(let when, let limit):
            guard try holds(when) else { return .notApplicable(.when) }
            guard let limit else { return .suppressed }
            let rendered = try limit.key.render(activation())
            let key = Engine.keyPrefix("limit", policy.id) + rendered
            let recent = emissions(under: key, within: limit.per, at: task.createdAt)
            if recent >= limit.count {
                return .limitReached(key: rendered, count: recent, limit: limit.count, per: limit.per)
            }
            claims.append((key, limit.per))
            return .counted(key: rendered, count: recent, limit: limit.count, per: limit.per)
        case .dedup(let keyTemplate, let window):
            let rendered = try keyTemplate.render(activation())
            let key = Engine.keyPrefix("policy", policy.id) + rendered
            if let previous = previousEmission(key: key, window: window, at: task.createdAt) {
                return .deduplicated(key: rendered, previous: previous, window: window)
            }
            claims.append((key, nil))
            return .firstForKey(key: rendered, window: window)
        case .expire(let after):
            guard task.expiresAt == nil else { return .keptExpiry(at: task.expiresAt) }
            task.expiresAt = (task.createdAt + after).clampedToRFC3339
            return .expires(at: task.expiresAt!)
        case .route(let when, let assignee):
            guard try holds(when) else { return .notApplicable(.when) }
            let from = task.assignee
            task.assignee = try assignee.render(activation())
            return .routed(from: from, to: task.assignee)
        case .contact(let cap):
            return contactEffect(of: policy.id, cap, on: task, claims: &claims)
        case .cooldown(let outcomes, let period):
            return cooldownEffect(outcomes, for: period, on: task)
        }
    }

    /// When a task with `key` was last emitted, if that is within `window` of `time` (nil: for ever).
    private func previousEmission(key: String, window: TimeSpan?, at time: Timestamp) -> Timestamp? {
        if sharedKeys != nil { freshenDedupKey(key) }
        guard let last = dedupIndex[key] else { return nil }
        guard let window else { return last }
        let gap = time - last
        return abs(gap.milliseconds) < window.milliseconds ? last : nil
    }

    private func emit(_ task: TaskRecord) {
        statistics.tasksCreated += 1
        statistics.rules[task.rule, default: RuleStatistics()].tasks += 1
        if let expiresAt = task.expiresAt, let clock, expiresAt <= clock {
            statistics.tasksExpiredOnArrival += 1
            changes.append(.expiredOnArrival(task))
            observer?.didEmit(task)
            return
        }
        if let notBefore = task.notBefore, task.deferredBy != nil, clock.map({ notBefore > $0 }) ?? true {
            deferred[task.id] = task
            deferredByAssignee[task.assignee, default: []].insert(task.id)
        }
        changes.append(.created(task))
        observer?.didEmit(task)
    }

    private func suppress(_ task: TaskRecord, policy: String) {
        statistics.tasksSuppressed += 1
        modify(&statistics.rules[task.rule, default: RuleStatistics()]) { rule in
            rule.suppressed += 1
            rule.suppressedBy[policy, default: 0] += 1
        }
        changes.append(.suppressed(task, policy: policy))
    }
}

/// Changes a value in place through one access (a dictionary entry is found once for both counts).
private func modify<Value>(_ value: inout Value, _ change: (inout Value) -> Void) { change(&value) }

extension TaskPolicy.Action {
    var kind: PolicyStep.Kind {
        switch self {
        case .defer: .defer
        case .suppress: .suppress
        case .dedup: .dedup
        case .expire: .expire
        case .route: .route
        case .contact: .contact
        case .cooldown: .cooldown
        }
    }
}
