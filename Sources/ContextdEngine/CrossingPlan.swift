import ContextdExpressions

/// What of a rule set reaches across partitions, and so what a node of several must wait for
/// to stay equal to `replay` (docs/decisions/0018-several-nodes.md §3).
///
/// Why it is known from the rules alone: a node must decide *before* it applies a log entry
/// whether the entry can read or write state that another partition's owner also reads or
/// writes (a contact cap counted per assignee, another entity's context, a deferred task that
/// another entity's session releases). Such an entry waits until every partition has applied
/// everything before it, so that it reads what `replay` would read at that point; entries of
/// partition-local rules never wait. The plan over-approximates, as ``ExpressionReads`` does:
/// a step it calls local is local, a step it makes wait may not have needed to.
///
/// Every rule and policy gets a verdict, so that `contextd check` can say which is which and
/// never stays silent about what is not exact.
public struct CrossingPlan: Sendable {
    /// How a rule, policy or context declaration behaves on several nodes.
    public enum Verdict: Sendable, Hashable {
        /// Reads and writes only its subject's partition.
        case local
        /// Reaches other partitions; its steps wait for the watermark, then are exact. Why, in words.
        case waits(String)
        /// Cannot be made exact on several nodes. Why, in words.
        case notExact(String)
    }

    /// One rule, policy or context declaration and its verdict.
    public struct Item: Sendable, Hashable {
        public enum Kind: String, Sendable { case rule, policy, context }
        public var kind: Kind
        public var id: String
        public var file: String
        public var verdict: Verdict
    }

    /// Rules, then policies, then the context declarations, each in declared order.
    public let items: [Item]
    /// Event types whose entries wait for the watermark on the node that owns their subject:
    /// they trigger a rule whose evaluation or tasks reach other partitions, or fold a context
    /// that rules read of another entity.
    public let waitingTypes: Set<String>
    /// Whether a timer that fires may do so too (a rule with a `timer` among the waiting rules).
    public let timersWait: Bool
    /// Event types that release deferred tasks of other entities: every node applies other
    /// partitions' events of these types as releases (``Engine/applyRelease(_:clockAfter:)``).
    public let releaseTypes: Set<String>
    /// Prefixes of the dedup and limit keys that tasks of several partitions share: a node
    /// reads them again from the store after a waiting step (``Engine/invalidateSharedKeys()``).
    public let sharedKeyPrefixes: [String]
    /// Whether some expression reads another entity's context (`entity(…)`): a node reads such
    /// contexts again from the store before a waiting step.
    public let readsOtherEntities: Bool

    /// True when nothing reaches across partitions: nodes never wait.
    public var isLocal: Bool { waitingTypes.isEmpty && !timersWait && releaseTypes.isEmpty }

    /// The verdicts that are not ``Verdict/local``.
    public var crossings: [Item] { items.filter { $0.verdict != .local } }

    public init(_ ruleSet: RuleSet) {
        var policyItems: [Item] = []
        var waitingPolicies: [TaskPolicy] = []
        var prefixes: [String] = []
        var releaseTypes: Set<String> = []
        var readsOthers = ruleSet.scorers.values.contains { $0.readsAnotherEntity }
        for policy in ruleSet.policies {
            var reasons: [String] = []
            var notExact: [String] = []
            if policy.readsAnotherEntity {
                readsOthers = true
                reasons.append("it reads another entity's context (entity(…))")
            }
            switch policy.action {
            case .contact(let cap) where cap.by == .assignee:
                reasons.append("it counts the tasks of every subject per assignee, and those subjects belong to many partitions")
                prefixes.append(Engine.keyPrefix("contact", policy.id))
            case .defer(_, _, let release?):
                releaseTypes.formUnion(release.on)
                reasons.append("""
                    a deferred task is released early by an event of another entity (\
                    \(release.on.sorted().joined(separator: ", "))), which may belong to another partition
                    """)
                if let when = release.when, when.reads.readsAnything || release.scope.context.map(when.reads.reads) == true {
                    notExact.append("its release condition reads the releasing entity's context, which another node folds")
                }
            case .suppress(_, let limit?) where !limit.key.namesSubject:
                reasons.append("its limit key '\(limit.key.source)' does not name the subject, so tasks of several partitions share it")
                prefixes.append(Engine.keyPrefix("limit", policy.id))
            case .dedup(let key, _) where !key.namesSubject:
                reasons.append("its dedup key '\(key.source)' does not name the subject, so tasks of several partitions share it")
                prefixes.append(Engine.keyPrefix("policy", policy.id))
            default:
                break
            }
            let verdict: Verdict = notExact.isEmpty
                ? (reasons.isEmpty ? .local : .waits(reasons.joined(separator: "; ")))
                : .notExact(notExact.joined(separator: "; "))
            if verdict != .local { waitingPolicies.append(policy) }
            policyItems.append(Item(kind: .policy, id: policy.id, file: policy.file, verdict: verdict))
        }
        var ruleItems: [Item] = []
        var waitingTypes: Set<String> = []
        var timersWait = false
        for rule in ruleSet.rules {
            var reasons: [String] = []
            if rule.readsAnotherEntity {
                readsOthers = true
                reasons.append("it reads another entity's context (entity(…))")
            }
            let meeting = waitingPolicies.filter { $0.rules?.contains(rule.id) ?? true }
            if !meeting.isEmpty { reasons.append("its tasks meet \(meeting.map(\.id).joined(separator: ", "))") }
            // Keys its tasks write that other partitions' tasks write too.
            var sharedKeys = meeting.filter { $0.writesSharedKeys(for: rule, among: ruleSet.policies) }.map(\.id)
            if let dedup = rule.task.dedup, !dedup.key.namesSubject {
                reasons.append("its dedup key '\(dedup.key.source)' does not name the subject, so tasks of several partitions share it")
                prefixes.append(Engine.keyPrefix("rule", rule.id))
                sharedKeys.append("its dedup")
            }
            guard !reasons.isEmpty else {
                ruleItems.append(Item(kind: .rule, id: rule.id, file: rule.file, verdict: .local))
                continue
            }
            waitingTypes.formUnion(rule.on)
            if rule.timer != nil { timersWait = true }
            // Timers of several partitions due at one log entry each wait for the entry before,
            // not for one another: `replay` fires them in time order, the nodes side by side.
            // Tasks that count under a key another partition's tasks count under see each other
            // in no defined order then.
            let verdict: Verdict = rule.timer != nil && !sharedKeys.isEmpty
                ? .notExact("""
                    its timers may fall due at the same log entry as another partition's, and its tasks count \
                    under keys other partitions' tasks count under too (\(sharedKeys.joined(separator: ", "))); \
                    those tasks see each other in no defined order then
                    """)
                : .waits(reasons.joined(separator: "; "))
            ruleItems.append(Item(kind: .rule, id: rule.id, file: rule.file, verdict: verdict))
        }
        var contextItems: [Item] = []
        for declaration in ruleSet.contexts {
            // Which declarations `entity(…)` reads is not known (it is a host function): all of
            // them are read across once one expression reads another entity.
            guard readsOthers else {
                contextItems.append(Item(kind: .context, id: declaration.name, file: "", verdict: .local))
                continue
            }
            waitingTypes.formUnion(declaration.eventTypes)
            contextItems.append(Item(kind: .context, id: declaration.name, file: "",
                verdict: .waits("rules read it of other entities (entity(…)), whose partitions other nodes hold")))
        }
        items = ruleItems + policyItems + contextItems
        self.waitingTypes = waitingTypes
        self.timersWait = timersWait
        self.releaseTypes = releaseTypes
        sharedKeyPrefixes = prefixes
        readsOtherEntities = readsOthers
    }
}

extension CrossingPlan.Verdict: CustomStringConvertible {
    /// False only for ``notExact(_:)``.
    public var isExact: Bool {
        if case .notExact = self { false } else { true }
    }

    public var description: String {
        switch self {
        case .local: "local"
        case .waits(let why): "crosses partitions (waits for the watermark): \(why)"
        case .notExact(let why): "not exact on several nodes: \(why)"
        }
    }
}

extension Template {
    /// Whether the rendered key contains the subject: its text names `subject` (or
    /// `task.subject`), so that two subjects never share it. A template is not analysed
    /// further; one that names the subject and still renders the same key for two subjects
    /// would be wrongly called local.
    var namesSubject: Bool { source.contains("subject") }
}

extension Template {
    /// Whether it renders the subject and nothing else (`{{ subject }}`).
    var isSubjectAlone: Bool {
        source.filter { !$0.isWhitespace } == "{{subject}}"
    }
}

extension CompiledExpression {
    /// Whether it may call a host function (`entity(…)` is the one the engine adds).
    var readsAnotherEntity: Bool { reads.readsAnything }
}

extension Rule {
    /// Whether any of its expressions may read another entity (templates by their text).
    var readsAnotherEntity: Bool {
        let expressions = [timer, condition, forEach?.items, task.priority, task.evidence].compactMap(\.self)
            + conditions + task.data.map(\.value)
        let templates = [task.assignee, task.where, task.what, task.why] + task.how + (task.dedup.map { [$0.key] } ?? [])
        return expressions.contains(where: \.readsAnotherEntity) || templates.contains { $0.source.contains("entity(") }
    }
}

extension TaskPolicy {
    /// Whether the tasks of `rule` that meet it count under a key that tasks of other
    /// partitions' subjects count under too. A contact cap per assignee does not for a rule
    /// whose tasks go to their own subject (`assignee: "{{ subject }}"`), unless a route policy
    /// may change the assignee.
    func writesSharedKeys(for rule: Rule, among policies: [TaskPolicy]) -> Bool {
        switch action {
        case .contact(let cap) where cap.by == .assignee:
            let routed = policies.contains { policy in
                if case .route = policy.action { return policy.rules?.contains(rule.id) ?? true }
                return false
            }
            return routed || !rule.task.assignee.isSubjectAlone
        case .suppress(_, let limit?): return !limit.key.namesSubject
        case .dedup(let key, _): return !key.namesSubject
        default: return false
        }
    }

    /// Whether any of its expressions may read another entity (templates by their text).
    var readsAnotherEntity: Bool {
        var expressions = [appliesTo].compactMap(\.self)
        var templates: [Template] = []
        switch action {
        case .defer(let when, let until, _): expressions += [when, until].compactMap(\.self)
        case .suppress(let when, let limit):
            expressions += [when].compactMap(\.self)
            templates += limit.map { [$0.key] } ?? []
        case .route(let when, let assignee):
            expressions += [when].compactMap(\.self)
            templates.append(assignee)
        case .dedup(let key, _): templates.append(key)
        case .expire, .contact, .cooldown: break
        }
        return expressions.contains(where: \.readsAnotherEntity) || templates.contains { $0.source.contains("entity(") }
    }
}

extension Scorer {
    /// Whether a feature may read another entity.
    var readsAnotherEntity: Bool {
        switch model {
        case .logistic(_, let features): features.contains { $0.value.readsAnotherEntity }
        case .scorecard(_, let features): features.contains { $0.value.readsAnotherEntity }
        }
    }
}
