import ContextdEngine
import ContextdEvents
import ContextdExpressions

/// What the tests exercised, per rule, per condition and per policy, so an operator sees which
/// parts of a rule set no test has ever shown working (the `opa test --coverage` of contextd).
///
/// Items: a rule **fired** (proposed a task in some test); each part of its `when` was seen
/// **true** and seen **false** (a part after a false one is not evaluated, so it is not seen);
/// a policy **acted** (deferred, suppressed, deduplicated, expired or re-routed a task; a contact
/// policy stopped or exempted one; a cooldown stopped one).
/// Everything comes from the engine's observer, so it counts what the engine decided, not
/// what its output suggests.
public struct RuleCoverage: Sendable {
    public struct Item: Sendable, Hashable {
        public var kind: String
        public var name: String
        public var aspect: String
        public var covered: Bool
    }

    struct RuleEntry: Sendable {
        var conditions: [String]
        var fired = false
        var seenTrue: Set<Int> = []
        var seenFalse: Set<Int> = []
    }

    private(set) var rules: [String: RuleEntry] = [:]
    private var ruleOrder: [String] = []
    private(set) var policies: [String: Bool] = [:]
    private var policyOrder: [String] = []

    public init() {}

    mutating func declare(_ ruleSet: RuleSet) {
        for rule in ruleSet.rules where rules[rule.id] == nil {
            rules[rule.id] = RuleEntry(conditions: rule.conditions.map(\.source))
            ruleOrder.append(rule.id)
        }
        for policy in ruleSet.policies where policies[policy.id] == nil {
            policies[policy.id] = false
            policyOrder.append(policy.id)
        }
    }

    mutating func record(_ evaluation: RuleEvaluation) {
        guard var entry = rules[evaluation.rule] else { return }
        if evaluation.matched && evaluation.candidate != nil { entry.fired = true }
        for (index, condition) in evaluation.conditions.enumerated() {
            switch condition.outcome {
            case .value(.bool(true)): entry.seenTrue.insert(index)
            case .value: entry.seenFalse.insert(index)
            case .failed, .notEvaluated: break
            }
        }
        rules[evaluation.rule] = entry
    }

    mutating func record(_ step: PolicyStep) {
        if step.acted, policies[step.policy] != nil { policies[step.policy] = true }
    }

    public var items: [Item] {
        var items: [Item] = []
        for id in ruleOrder {
            guard let rule = rules[id] else { continue }
            items.append(Item(kind: "rule", name: id, aspect: "fired", covered: rule.fired))
            for (index, source) in rule.conditions.enumerated() {
                items.append(Item(kind: "rule", name: id, aspect: "condition `\(source)` true",
                    covered: rule.seenTrue.contains(index)))
                items.append(Item(kind: "rule", name: id, aspect: "condition `\(source)` false",
                    covered: rule.seenFalse.contains(index)))
            }
        }
        for id in policyOrder { items.append(Item(kind: "policy", name: id, aspect: "acted", covered: policies[id] ?? false)) }
        return items
    }

    /// Covered items as a percentage (100 when there is nothing to cover).
    public var percent: Double {
        let all = items
        return all.isEmpty ? 100 : 100 * Double(all.filter(\.covered).count) / Double(all.count)
    }
}

/// Feeds a test's engine decisions into the run's coverage.
final class CoverageObserver: EngineObserver {
    var coverage: RuleCoverage
    init(_ coverage: RuleCoverage) { self.coverage = coverage }
    func didEvaluate(_ evaluation: RuleEvaluation) { coverage.record(evaluation) }
    func didApply(_ step: PolicyStep) { coverage.record(step) }
}
