import ContextdExpressions

/// A complete, checked set of rules: context declarations, scorers, rules and policies.
///
/// Only a `RuleSet` that loaded without a single error exists, so the engine can swap one in
/// atomically between two events (a reload) and never evaluate a half-valid set.
public struct RuleSet: Sendable {
    public let contexts: [ContextDeclaration]
    public let scorers: [String: Scorer]
    public let rules: [Rule]
    public let policies: [TaskPolicy]
    /// The scope of context `when`/`value`/`key` expressions (`event`, `now`, `subject`).
    public let foldScope: EvaluationScope
    /// Steps one evaluation may take (`limits.evaluation_budget`): a rule for one event or
    /// timer — its `for_each`, `when`, scores, task and policies together — or the context
    /// folds of one event. Past it that evaluation fails, as a counted run-time fault (SPEC §8).
    public let evaluationBudget: Int

    /// Enough for every stock rule and fixture many times over; a comprehension nested in
    /// another over 20,000-element lists (400 million steps) is cut after its first 50 outer elements.
    public static let defaultEvaluationBudget = 1_000_000

    /// Rule indexes per triggering event type: a rule that cannot match costs nothing.
    let rulesByEventType: [String: [Int]]
    /// Context declaration indexes per event type that adds to or removes from them.
    let contextsByEventType: [String: [Int]]
    /// Rules with a timer, each with the context declarations (indexes) its `timer` and
    /// `for_each` read, or nil when they may read something else that changes between events
    /// (`now`, a score, a host function): the timers are recomputed only when one of those
    /// declarations changed.
    let timerRules: [(rule: Int, inputs: [Int]?)]
    /// Defer policies with an early release, per releasing event type.
    let releasesByEventType: [String: [Int]]
    /// Rule indexes by id.
    let rulesByID: [String: Int]
    /// Context declaration indexes by name (`context.<name>`, a timer's inputs).
    let contextIndex: [String: Int]

    public init(
        contexts: [ContextDeclaration], scorers: [String: Scorer], rules: [Rule], policies: [TaskPolicy],
        foldScope: EvaluationScope, evaluationBudget: Int = RuleSet.defaultEvaluationBudget
    ) {
        self.evaluationBudget = evaluationBudget
        self.contexts = contexts
        self.scorers = scorers
        self.rules = rules.sorted { $0.order < $1.order }
        self.policies = policies
        self.foldScope = foldScope
        var byType: [String: [Int]] = [:]
        for (index, rule) in self.rules.enumerated() {
            for type in rule.on { byType[type, default: []].append(index) }
        }
        rulesByEventType = byType
        var contextsByType: [String: [Int]] = [:]
        for (index, declaration) in contexts.enumerated() {
            for type in declaration.eventTypes { contextsByType[type, default: []].append(index) }
        }
        contextsByEventType = contextsByType
        let sorted = self.rules
        let contextIndex = Dictionary(uniqueKeysWithValues: contexts.enumerated().map { ($1.name, $0) })
        self.contextIndex = contextIndex
        timerRules = sorted.indices.compactMap { index in
            let rule = sorted[index]
            guard let timer = rule.timer else { return nil }
            let reads = timer.reads.union(rule.forEach?.items.reads ?? ExpressionReads())
            let scope = rule.scope
            guard reads.readsOnly([scope.context, scope.subject, scope.item]) else { return (index, nil) }
            let names = scope.context.map { reads.fields(of: $0) } ?? []
            return (index, names.compactMap { contextIndex[$0] }.sorted())
        }
        var releases: [String: [Int]] = [:]
        for (index, policy) in policies.enumerated() {
            if case .defer(_, _, let release?) = policy.action {
                for type in release.on { releases[type, default: []].append(index) }
            }
        }
        releasesByEventType = releases
        rulesByID = Dictionary(self.rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Looked up on every timer that fires, so by index rather than by scanning the rules.
    public func rule(named id: String) -> Rule? { rulesByID[id].map { rules[$0] } }
}
