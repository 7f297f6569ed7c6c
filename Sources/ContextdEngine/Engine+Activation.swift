import ContextdEvents
import ContextdExpressions

/// Scores computed during one evaluation, each at most once: they travel with the task.
final class ScoreMemo {
    var scores: [String: Score] = [:]
}

extension Engine {
    /// An activation for `scope` with the common slots filled: `event`, `now`, `subject`,
    /// `context` (read lazily, field by field) and `score` (computed on first use, memoized).
    func makeActivation(
        _ scope: EvaluationScope, subject: String, eventValue: Value?, now: Timestamp, scores: ScoreMemo?
    ) -> Activation {
        let activation = Activation(slotCount: scope.environment.slotCount)
        activation.host = EvaluationHost(engine: self, now: now)
        if let slot = scope.event { activation.set(slot, eventValue ?? .null) }
        if let slot = scope.now { activation.set(slot, .timestamp(now)) }
        if let slot = scope.subject { activation.set(slot, .string(subject)) }
        if let slot = scope.context {
            let context = heldContext(of: subject) ?? EntityContext(subject: subject)
            // Captures the engine, not `ruleSet`: capturing the struct would box a copy of it (and
            // retain every field) on every evaluation.
            activation.bindFields(slot) { [unowned self] name throws(EvaluationError) -> Value in
                guard let index = ruleSet.contextIndex[name] else {
                    throw EvaluationError.missingField(name)
                }
                return context.value(of: ruleSet.contexts[index], at: now)
            }
        }
        if let slot = scope.score {
            let memo = scores ?? ScoreMemo()
            activation.bindFields(slot) { [unowned self, unowned activation] name throws(EvaluationError) -> Value in
                if let known = memo.scores[name] { return .number(known.value) }
                guard let scorer = ruleSet.scorers[name] else {
                    throw EvaluationError.missingField(name)
                }
                let features = makeActivation(
                    scorer.scope, subject: subject, eventValue: eventValue, now: now, scores: nil)
                // Same subject, event and instant, declared alike (RuleSetBuilder.makeScope).
                features.inheritMacroValues(from: activation)
                let score = scorer.score(features)
                memo.scores[name] = score
                return .number(score.value)
            }
        }
        return activation
    }
}
