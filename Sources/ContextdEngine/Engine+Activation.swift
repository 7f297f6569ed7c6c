import ContextdEvents
import ContextdExpressions

/// Scores computed during one evaluation, each at most once: they travel with the task.
final class ScoreMemo {
    var scores: [String: Score] = [:]
}

extension Engine {
    /// An activation for `scope` with the common slots filled: `event`, `now`, `subject`,
    /// `context` (read lazily, field by field) and `score` (computed on first use, memoized).
    ///
    /// Allocations per evaluation are most of what an evaluation that proposes nothing costs:
    /// the activation, its cells and one ``EvaluationHost``.
    func makeActivation(
        _ scope: EvaluationScope, subject: String, eventValue: Value?, now: Timestamp, scores: ScoreMemo?
    ) -> Activation {
        let activation = Activation(slotCount: scope.environment.slotCount)
        activation.limitSteps(to: ruleSet.evaluationBudget)
        let context = scope.context.map { _ in heldContext(of: subject) ?? EntityContext(subject: subject) }
        // One object is the host of `entity()` and the source of `context` and `score` fields.
        let host = EvaluationHost(
            engine: self, activation: activation, now: now, subject: subject, eventValue: eventValue,
            context: context, contextSlot: scope.context, scores: scope.score.map { _ in scores ?? ScoreMemo() })
        activation.host = host
        if let slot = scope.event { activation.set(slot, eventValue ?? .null) }
        if let slot = scope.now { activation.set(slot, .timestamp(now)) }
        if let slot = scope.subject { activation.set(slot, .string(subject)) }
        if let slot = scope.context { activation.bindFields(slot, to: host) }
        if let slot = scope.score { activation.bindFields(slot, to: host) }
        return activation
    }

    /// `score.<name>` for an evaluation: computed once, in an activation of the scorer's scope
    /// for the same subject, event and instant.
    func score(_ name: String, for host: EvaluationHost, memo: ScoreMemo) throws(EvaluationError) -> Value {
        if let known = memo.scores[name] { return .number(known.value) }
        guard let scorer = ruleSet.scorers[name] else { throw EvaluationError.missingField(name) }
        let features = makeActivation(
            scorer.scope, subject: host.subject, eventValue: host.eventValue, now: host.now, scores: nil)
        // Same subject, event and instant, declared alike (RuleSetBuilder.makeScope).
        features.inheritMacroValues(from: host.activation)
        features.continueBudget(of: host.activation)
        let score = scorer.score(features)
        host.activation.continueBudget(of: features)
        // A scorer takes a failed feature as missing; one that ran out of budget fails the rule.
        if features.isOverBudget { throw features.budgetExceeded }
        memo.scores[name] = score
        return .number(score.value)
    }
}
