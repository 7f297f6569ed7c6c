public import ContextdEngine
import ContextdEvents

/// How an entity's folded context is kept in the `entity_context` table: one object per
/// declaration name, so context of a declaration that survives a rule reload is found again.
extension EntityContext {
    public var storedText: String {
        var object: [String: Value] = [:]
        for (name, state) in states { object[name] = EntityContext.stored(state) }
        return PersistentValue.encode(.object(object))
    }

    public init(subject: String, storedText: String) throws {
        let root = try StoredObject(PersistentValue.decode(storedText), table: "entity_context", key: subject)
        var states: [String: ContextState] = [:]
        for (name, value) in root.fields {
            let state = try StoredObject(value, table: "entity_context", key: subject + "." + name)
            if state.fields["latest"] != nil {
                if case .null = state.value("latest") { states[name] = .latest(nil); continue }
                states[name] = .latest(try EntityContext.entry(state.value("latest"), key: subject))
            } else if state.fields["collection"] != nil {
                states[name] = .collection(try state.list("collection").map { try EntityContext.entry($0, key: subject) })
            } else if state.fields["history"] != nil {
                states[name] = .history(try state.list("history").map { try EntityContext.entry($0, key: subject) })
            } else {
                states[name] = .window(try state.list("window").map { point in
                    guard case .list(let pair) = point, pair.count == 2, case .timestamp(let time) = pair[0],
                        case .number(let amount) = pair[1]
                    else { throw state.missing("window", "a list of [time, amount] pairs") }
                    return ContextState.WindowPoint(time: time, amount: amount)
                })
            }
        }
        self.init(subject: subject, states: states)
    }

    private static func stored(_ state: ContextState) -> Value {
        switch state {
        case .latest(let entry): .object(["latest": entry.map(stored) ?? .null])
        case .collection(let items): .object(["collection": .list(items.map(stored))])
        case .history(let items): .object(["history": .list(items.map(stored))])
        case .window(let points):
            .object(["window": .list(points.map { .list([.timestamp($0.time), .number($0.amount)]) })])
        }
    }

    private static func stored(_ entry: ContextEntry) -> Value {
        var object: [String: Value] = [
            "value": entry.value, "time": .timestamp(entry.time), "id": .string(entry.eventID),
            "type": .string(entry.eventType),
        ]
        if let key = entry.key { object["key"] = .string(key) }
        return .object(object)
    }

    private static func entry(_ value: Value, key: String) throws -> ContextEntry {
        let entry = try StoredObject(value, table: "entity_context", key: key)
        return ContextEntry(
            key: try entry.optionalString("key"), value: entry.value("value"), time: try entry.time("time"),
            eventID: try entry.string("id"), eventType: try entry.string("type"))
    }
}
