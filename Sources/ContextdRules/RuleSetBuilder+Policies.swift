import ContextdEngine
import ContextdEvents
import ContextdExpressions
import Yams

extension RuleSetBuilder {
    static let policyKinds = ["defer", "suppress", "dedup", "expire", "route", "contact", "cooldown"]
    /// Keys that only some kinds take; every other policy key is common to all kinds.
    static let kindSpecificPolicyFields = [
        "when", "until", "release", "limit", "key", "window", "after", "assignee", "count", "per", "by",
        "exempt_priority", "outcomes", "for",
    ]
    static let policyFields = ["id", "description", "kind", "rules", "applies_to", "let"] + kindSpecificPolicyFields
    static let fieldsByPolicyKind: [String: Set<String>] = [
        "defer": ["when", "until", "release"], "suppress": ["when", "limit"], "dedup": ["key", "window"],
        "expire": ["after"], "route": ["when", "assignee"], "contact": ["count", "per", "by", "exempt_priority"],
        "cooldown": ["outcomes", "for"],
    ]

    func readPolicies() {
        var seen: [String: (file: String, line: Int)] = [:]
        for (file, node) in items(of: "policies") {
            if let policy = readPolicy(node, in: file, seen: &seen) { policies.append(policy) }
        }
    }

    private func readPolicy(_ node: Node, in file: RuleFile, seen: inout [String: (file: String, line: Int)])
        -> TaskPolicy?
    {
        guard let reader = MappingReader(node, file: file, log: log, what: "a policy", allowed: Self.policyFields),
            let idNode = reader.required("id"), let id = reader.string("id"),
            let kindNode = reader.required("kind"), let kind = reader.string("kind")
        else { return nil }
        let what = "policy '\(id)'"
        guard checkUnique(id, kind: "policy", at: idNode, in: file, seen: &seen) else { return nil }
        policyReaders[id] = reader
        guard let allowedHere = Self.fieldsByPolicyKind[kind] else {
            log.report(file.diagnostic(at: kindNode, length: kind.count,
                "unknown policy kind '\(kind)'" + Suggestion.phrase(for: kind, among: Self.policyKinds)
                    + " (kinds: \(Self.policyKinds.joined(separator: ", ")))"))
            return nil
        }
        for field in Self.kindSpecificPolicyFields where !allowedHere.contains(field) {
            if let keyNode = reader.keyNode(field) {
                log.report(file.diagnostic(at: keyNode, length: field.count,
                    "'\(field)' does not apply to \(kind == "expire" ? "an" : "a") \(kind) policy (it takes: \(allowedHere.sorted().joined(separator: ", ")))"))
            }
        }
        var ruleFilter: Set<String>?
        if let names = reader.strings("rules") {
            ruleFilter = Set(names.map(\.0))
            for (name, nameNode) in names where ruleNodes[name] == nil {
                log.report(file.diagnostic(at: nameNode, length: name.count,
                    "\(what) names unknown rule '\(name)'" + Suggestion.phrase(for: name, among: ruleNodes.keys)))
            }
        }
        var scope = makeScope(event: nil, context: true, score: false, task: true)
        let site = ExpressionSite(file: file, log: log)
        let appliesTo = reader["applies_to"].flatMap {
            site.conditions($0, in: scope.environment, what: "'applies_to' of \(what)")
        }
        if let letNode = reader["let"] { bindLets(letNode, into: &scope, what: what, in: file) }
        let env = scope.environment
        let when = reader["when"].flatMap { site.conditions($0, in: env, what: "'when' of \(what)") }
        let action: TaskPolicy.Action
        switch kind {
        case "defer":
            guard let untilNode = reader.required("until"),
                let until = site.expression(untilNode, in: env, expecting: .timestamp, what: "'until' of \(what)")
            else { return nil }
            action = .defer(when: when, until: until, release: reader["release"].flatMap { readRelease($0, what, file) })
        case "suppress":
            var limit: TaskPolicy.Limit?
            if let limitNode = reader["limit"] {
                guard let l = MappingReader(limitNode, file: file, log: log, what: "'limit' of \(what)",
                    allowed: ["count", "per", "key"]),
                    l.required("count") != nil, l.required("per") != nil, let count = l.number("count"),
                    let per = l.duration("per"), let keyNode = l.required("key"),
                    let key = site.template(keyNode, in: env, what: "'key' of 'limit'")
                else { return nil }
                limit = TaskPolicy.Limit(count: Int(count), per: per, key: key)
            }
            action = .suppress(when: when, limit: limit)
        case "dedup":
            guard let keyNode = reader.required("key"), let key = site.template(keyNode, in: env, what: "'key' of \(what)")
            else { return nil }
            action = .dedup(key: key, window: reader.duration("window"))
        case "expire":
            guard reader.required("after") != nil, let after = reader.duration("after") else { return nil }
            action = .expire(after: after)
        case "contact":
            guard let cap = readContactCap(reader, what) else { return nil }
            action = .contact(cap)
        case "cooldown":
            guard let cooldown = readCooldown(reader, what) else { return nil }
            action = .cooldown(outcomes: cooldown.outcomes, for: cooldown.period)
        default:
            guard let assigneeNode = reader.required("assignee"),
                let assignee = site.template(assigneeNode, in: env, what: "'assignee' of \(what)")
            else { return nil }
            action = .route(when: when, assignee: assignee)
        }
        return TaskPolicy(id: id, description: reader.string("description") ?? "", file: file.path, rules: ruleFilter,
            appliesTo: appliesTo, action: action, scope: scope)
    }

    /// `release: {on: [session.started], when: event.data.form_factor == "desktop"}`.
    private func readRelease(_ node: Node, _ what: String, _ file: RuleFile) -> TaskPolicy.Release? {
        guard let reader = MappingReader(node, file: file, log: log, what: "'release' of \(what)", allowed: ["on", "when"]),
            reader.required("on") != nil, let types = reader.strings("on")
        else { return nil }
        checkEventTypes(types, in: file)
        let on = Set(types.map(\.0))
        let scope = makeScope(event: eventType(for: on), context: true, score: false, task: true)
        let when = reader["when"].flatMap {
            ExpressionSite(file: file, log: log).conditions($0, in: scope.environment, what: "'when' of 'release'")
        }
        return TaskPolicy.Release(on: on, when: when, scope: scope)
    }
}
