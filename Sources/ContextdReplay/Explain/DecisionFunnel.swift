import ContextdEngine

/// Per rule, how many evaluations reached each stage: evaluated, held back at each part of
/// `when`, failed, matched, stopped by each policy, emitted — a decision funnel.
public struct DecisionFunnel: Sendable {
    public struct Stage: Sendable {
        public var rule: String
        public var evaluations = 0
        /// Each part of `when` (its source) and how many evaluations it held back.
        public var heldBack: [(condition: String, count: Int)] = []
        public var errors = 0
        public var matched = 0
        /// Each policy (or `dedup`) that stopped candidates, and how many, in first-seen order.
        public var stopped: [(policy: String, count: Int)] = []
        public var tasks = 0

        init(rule: String) { self.rule = rule }
    }

    /// Rules in the order first evaluated.
    public private(set) var stages: [Stage] = []
    private var index: [String: Int] = [:]

    public init() {}

    mutating func count(_ evaluation: RuleEvaluation) {
        let position = stage(evaluation.rule)
        stages[position].evaluations += 1
        if stages[position].heldBack.isEmpty {
            stages[position].heldBack = evaluation.conditions.map { ($0.source, 0) }
        }
        if evaluation.error != nil {
            stages[position].errors += 1
        } else if evaluation.matched {
            stages[position].matched += 1
        } else if let part = evaluation.stoppedAt, part < stages[position].heldBack.count {
            stages[position].heldBack[part].count += 1
        }
    }

    mutating func count(_ step: PolicyStep) {
        guard step.stopped else { return }
        let position = stage(step.rule)
        if let known = stages[position].stopped.firstIndex(where: { $0.policy == step.policy }) {
            stages[position].stopped[known].count += 1
        } else {
            stages[position].stopped.append((step.policy, 1))
        }
    }

    mutating func countEmitted(rule: String) {
        stages[stage(rule)].tasks += 1
    }

    private mutating func stage(_ rule: String) -> Int {
        if let known = index[rule] { return known }
        index[rule] = stages.count
        stages.append(Stage(rule: rule))
        return stages.count - 1
    }
}
