public import ContextdEngine

/// One rule evaluation and everything that followed from it: the policy steps its candidate
/// went through, whether it was emitted, and any later early release.
public struct DecisionTrace: Sendable {
    public var evaluation: RuleEvaluation
    /// The policies (then the rule's own dedup) in the order they saw the candidate.
    public var steps: [PolicyStep] = []
    /// The task as emitted, when it passed every policy.
    public var emitted: TaskRecord?
    /// Early releases of the emitted task, in order.
    public var releases: [EarlyRelease] = []

    public init(evaluation: RuleEvaluation) {
        self.evaluation = evaluation
    }

    /// The task in its final form (after any early release); nil when none was emitted.
    public var task: TaskRecord? { releases.last?.task ?? emitted }

    /// The step that stopped the candidate, if one did.
    public var stoppedBy: PolicyStep? { steps.last { $0.stopped } }

    /// In a word, how the evaluation ended.
    public var outcome: Outcome {
        if emitted != nil { return .emitted }
        if evaluation.error != nil { return .failed }
        if !evaluation.matched { return .heldBack }
        return .suppressed
    }

    public enum Outcome: String, Sendable {
        case emitted
        /// A part of `when` was false (or null).
        case heldBack = "held_back"
        /// A policy or the rule's dedup stopped the candidate.
        case suppressed
        /// A run-time fault ended the evaluation.
        case failed
    }
}
