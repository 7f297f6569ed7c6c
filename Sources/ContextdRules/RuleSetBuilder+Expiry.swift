import ContextdEngine
import ContextdEvents
import ContextdExpressions
import Yams

/// Warns when a defer policy can hold a rule's tasks until they expire: such a task is never
/// delivered (the engine stops it as "deferred past its expiry", decision 0012), which an
/// operator would otherwise only learn from the funnel.
extension RuleSetBuilder {
    func checkDeferralsAgainstExpiry() {
        let defers = policies.filter { if case .defer = $0.action { true } else { false } }
        guard !defers.isEmpty else { return }
        // A rule's expiry does not depend on the defer it is checked against: found once.
        let expiries = rules.compactMap { rule in expiry(of: rule).map { (rule, $0) } }
        for policy in defers {
            guard let reader = policyReaders[policy.id],
                let untilNode = reader["until"], let until = untilNode.string
            else { continue }
            let expiring = expiries.filter { rule, _ in mayApply(policy, reader, to: rule) }
            guard !expiring.isEmpty else { continue }
            let file = reader.file
            guard let delay = Expression.constantOffset(of: until, from: ["task.created_at", "now"]) else {
                let list = expiring.map { "'\($0.0.id)' (\($0.1))" }.joined(separator: ", ")
                warn(file.diagnostic(at: untilNode,
                    "check cannot tell whether policy '\(policy.id)' defers tasks past their expiry: its 'until' is "
                        + "not task.created_at plus a constant duration, and it may apply to rules whose tasks "
                        + "expire: \(list); a task deferred to or past its expiry is not delivered"))
                continue
            }
            for (rule, expiry) in expiring where delay.milliseconds >= expiry.milliseconds {
                let place = ruleNodes[rule.id].map { " (\($0.file):\($0.line))" } ?? ""
                warn(file.diagnostic(at: untilNode,
                    "policy '\(policy.id)' defers tasks by \(delay), but tasks of rule '\(rule.id)'\(place) expire "
                        + "after \(expiry): a task it defers is not delivered (it is stopped as deferred past its "
                        + "expiry) unless a release comes first; give the rule a longer 'expires', or leave it out "
                        + "with 'rules' or 'applies_to'"))
            }
        }
    }

    private func warn(_ diagnostic: Diagnostic) {
        var warning = diagnostic
        warning.severity = .warning
        warnings.append(warning)
    }

    /// The rule's `expires`, or else the `after` of the first expire policy that may apply.
    private func expiry(of rule: Rule) -> TimeSpan? {
        if let expires = rule.task.expires { return expires }
        for policy in policies {
            guard case .expire(let after) = policy.action, let reader = policyReaders[policy.id] else { continue }
            if mayApply(policy, reader, to: rule) { return after }
        }
        return nil
    }

    /// False only when the policy's `rules` leave the rule out, or its `applies_to` is false for
    /// every task of the rule, as far as the rule's constant fields tell.
    private func mayApply(_ policy: TaskPolicy, _ reader: MappingReader, to rule: Rule) -> Bool {
        if let names = policy.rules, !names.contains(rule.id) { return false }
        guard let appliesTo = reader["applies_to"] else { return true }
        let conditions: [String] =
            switch appliesTo {
            case .scalar(let scalar): [scalar.string]
            case .sequence(let items): items.compactMap(\.string)
            default: []
            }
        var facts: [String: Value] = ["rule": .string(rule.id), "tags": .list(rule.task.tags.map(Value.string))]
        if let text = rule.task.where.constantText { facts["where"] = .string(text) }
        if let text = rule.task.assignee.constantText { facts["assignee"] = .string(text) }
        return !Expression.isFalse(conditions, whenever: "task", has: facts)
    }
}
