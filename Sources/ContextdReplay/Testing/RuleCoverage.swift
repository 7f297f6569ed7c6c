public import ContextdEngine

/// What the tests exercised, per rule and per policy, so an operator sees which parts of a
/// rule set no test has ever shown working (the `opa test --coverage` of contextd).
///
/// Items: a rule **fired** (made a task in some test) and, when it has a `when`, was **held
/// back** (evaluated with its condition false in some test); a policy that defers or
/// suppresses **acted** (deferred or stopped a task in some test).
public struct RuleCoverage: Sendable {
    public struct Item: Sendable, Hashable {
        public var kind: String
        public var name: String
        public var aspect: String
        public var covered: Bool
    }

    private var rules: [String: (hasCondition: Bool, fired: Bool, heldBack: Bool)] = [:]
    private var ruleOrder: [String] = []
    private var policies: [String: Bool] = [:]
    private var policyOrder: [String] = []

    public init() {}

    mutating func declare(_ ruleSet: RuleSet) {
        for rule in ruleSet.rules where rules[rule.id] == nil {
            rules[rule.id] = (rule.condition != nil, false, false)
            ruleOrder.append(rule.id)
        }
        for policy in ruleSet.policies where policies[policy.id] == nil {
            switch policy.action {
            case .defer, .suppress, .dedup:
                policies[policy.id] = false
                policyOrder.append(policy.id)
            case .expire, .route:
                continue
            }
        }
    }

    mutating func record(_ replay: Replay) {
        for (id, statistics) in replay.engine.statistics.rules {
            guard var rule = rules[id] else { continue }
            if statistics.tasks > 0 || statistics.suppressed > 0 { rule.fired = true }
            if statistics.evaluations > statistics.matches + statistics.errors { rule.heldBack = true }
            rules[id] = rule
        }
        for task in replay.tasks { if let policy = task.deferredBy, policies[policy] != nil { policies[policy] = true } }
        for (_, policy) in replay.suppressed where policies[policy] != nil { policies[policy] = true }
    }

    public var items: [Item] {
        var items: [Item] = []
        for id in ruleOrder {
            guard let rule = rules[id] else { continue }
            items.append(Item(kind: "rule", name: id, aspect: "fired", covered: rule.fired))
            if rule.hasCondition { items.append(Item(kind: "rule", name: id, aspect: "held back by its 'when'", covered: rule.heldBack)) }
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
