import ContextdEngine
import ContextdEvents
import ContextdExpressions
import Yams

extension RuleSetBuilder {
    static let contextKinds = ["latest", "collection", "count", "sum", "history"]
    static let contextFields = [
        "kind", "description", "on", "add", "remove", "key", "when", "value", "window", "size",
    ]

    /// `context: {balance: {kind: latest, on: [account.balance], value: event.data.balance}}`.
    func readContexts() {
        var seen: [String: (file: String, line: Int)] = [:]
        var fields: [String: ValueType] = [:]
        for (file, name, keyNode, value) in entries(of: "context") {
            guard checkUnique(name, kind: "context", at: keyNode, in: file, seen: &seen) else { continue }
            guard let declaration = readContext(name, value, in: file) else {
                fields[name] = .dyn  // still known by name, so one mistake is reported once
                continue
            }
            contexts.append(declaration)
            fields[name] = declaration.type
        }
        contextType = RecordType(name: "context", fields: fields, isOpen: false)
        base.register(EngineFunctions.entity(contextType: contextType))
        foldScope = makeScope(event: eventType(for: []), context: false, score: false, task: false)
    }

    private func readContext(_ name: String, _ node: Node, in file: RuleFile) -> ContextDeclaration? {
        let what = "context '\(name)'"
        guard let reader = MappingReader(node, file: file, log: log, what: what, allowed: Self.contextFields),
            let kindNode = reader.required("kind"), let kindName = reader.string("kind")
        else { return nil }
        guard Self.contextKinds.contains(kindName) else {
            log.report(file.diagnostic(at: kindNode, length: kindName.count,
                "unknown context kind '\(kindName)'" + Suggestion.phrase(for: kindName, among: Self.contextKinds)
                    + " (kinds: \(Self.contextKinds.joined(separator: ", ")))"))
            return nil
        }
        let isCollection = kindName == "collection"
        let addKey = isCollection ? "add" : "on"
        for (unexpected, kinds) in [("add", ["collection"]), ("remove", ["collection"]), ("key", ["collection"]),
            ("on", ["latest", "count", "sum", "history"]), ("window", ["count", "sum"]), ("size", ["history"])]
        where !kinds.contains(kindName) {
            if let keyNode = reader.keyNode(unexpected) {
                log.report(file.diagnostic(at: keyNode, length: unexpected.count,
                    "'\(unexpected)' does not apply to a \(kindName) context (it is for: \(kinds.joined(separator: ", ")))"))
            }
        }
        guard reader.required(addKey) != nil, let addTypes = reader.strings(addKey) else { return nil }
        let removeTypes = reader.strings("remove") ?? []
        checkEventTypes(addTypes + removeTypes, in: file)
        let on = Set(addTypes.map(\.0))
        let scope = makeScope(event: eventType(for: on.union(removeTypes.map(\.0))), context: false, score: false,
            task: false)
        let site = ExpressionSite(file: file, log: log)
        let when = reader["when"].flatMap { site.conditions($0, in: scope.environment, what: "'when' of \(what)") }
        let value = reader["value"].flatMap { site.object($0, in: scope.environment, what: "'value' of \(what)") }
        let valueType: ValueType
        if let value { valueType = value.type } else {
            if case .record(let event) = eventType(for: on) { valueType = event.fields["data"] ?? .dyn } else {
                valueType = .dyn
            }
        }
        let kind: ContextDeclaration.Kind
        switch kindName {
        case "latest": kind = .latest
        case "collection":
            guard let keyNode = reader.required("key"),
                let key = site.expression(keyNode, in: scope.environment, what: "'key' of \(what)")
            else { return nil }
            kind = .collection(key: key, removeOn: Set(removeTypes.map(\.0)))
        case "count", "sum":
            guard reader.required("window") != nil, let window = reader.duration("window") else { return nil }
            if kindName == "sum" && value == nil {
                log.report(file.diagnostic(at: node, "\(what) of kind sum needs a 'value' to add up"))
                return nil
            }
            kind = kindName == "count" ? .count(window: window) : .sum(window: window)
        default:
            guard reader.required("size") != nil, let size = reader.number("size") else { return nil }
            guard size >= 1, size <= 10_000, size == size.rounded() else {
                log.report(file.diagnostic(at: reader["size"], "'size' of \(what) must be a whole number from 1 to 10000"))
                return nil
            }
            kind = .history(size: Int(size))
        }
        return ContextDeclaration(name: name, kind: kind, on: on, when: when, value: value,
            type: ContextDeclaration.type(of: kind, valueType: valueType))
    }
}
