public import ContextdEngine
import ContextdEvents

/// How an entity's folded context is kept in the `entity_context` table: one object per
/// declaration name, so context of a declaration that survives a rule reload is found again.
extension EntityContext {
    /// Written straight to JSON text, without first building the context as a ``Value``: the
    /// daemon writes every changed entity's context on every commit (7 % of its time when it
    /// built the value, tagged a copy of it and encoded that).
    public var storedText: String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        PersistentValue.appendObject(states.keys, to: &out) { name, out in
            EntityContext.append(states[name]!, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One declaration's state alone, as ``storedText`` writes it under the declaration's name:
    /// the PostgreSQL store keeps a row per declaration (docs/decisions/0017-postgresql-backend.md).
    public static func storedText(of state: ContextState) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        append(state, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads one declaration's state written by ``storedText(of:)``; errors name the subject
    /// and the declaration.
    public static func state(storedText: String, subject: String, declaration: String) throws -> ContextState {
        try state(PersistentValue.decode(storedText), subject: subject, declaration: declaration)
    }

    /// `{"latest": entry}`, `{"collection": [entries]}`, `{"history": [entries]}` or
    /// `{"window": [[time, amount], …]}`.
    private static func append(_ state: ContextState, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        switch state {
        case .latest(let entry):
            JSON.appendKey("latest", to: &out)
            if let entry { append(entry, to: &out) } else { out.append(contentsOf: "null".utf8) }
        case .collection(let items):
            JSON.appendKey("collection", to: &out)
            JSON.appendList(items, to: &out) { append($0, to: &$1) }
        case .history(let items):
            JSON.appendKey("history", to: &out)
            JSON.appendList(items, to: &out) { append($0, to: &$1) }
        case .window(let points):
            JSON.appendKey("window", to: &out)
            JSON.appendList(points, to: &out) { point, out in
                PersistentValue.append(.list([.timestamp(point.time), .number(point.amount)]), to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `{"id", "key" (in a collection), "time", "type", "value"}`: the keys in sorted order.
    private static func append(_ entry: ContextEntry, to out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":".utf8)
        JSON.appendString(entry.eventID, to: &out)
        if let key = entry.key {
            out.append(contentsOf: ",\"key\":".utf8)
            JSON.appendString(key, to: &out)
        }
        out.append(contentsOf: ",\"time\":".utf8)
        PersistentValue.append(.timestamp(entry.time), to: &out)
        out.append(contentsOf: ",\"type\":".utf8)
        JSON.appendString(entry.eventType, to: &out)
        out.append(contentsOf: ",\"value\":".utf8)
        PersistentValue.append(entry.value, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    public init(subject: String, storedText: String) throws {
        let root = try StoredObject(PersistentValue.decode(storedText), table: "entity_context", key: subject)
        var states: [String: ContextState] = [:]
        for (name, value) in root.fields {
            states[name] = try EntityContext.state(value, subject: subject, declaration: name)
        }
        self.init(subject: subject, states: states)
    }

    private static func state(_ value: Value, subject: String, declaration name: String) throws -> ContextState {
        let state = try StoredObject(value, table: "entity_context", key: subject + "." + name)
        if state.fields["latest"] != nil {
            if case .null = state.value("latest") { return .latest(nil) }
            return .latest(try EntityContext.entry(state.value("latest"), key: subject))
        } else if state.fields["collection"] != nil {
            return .collection(try state.list("collection").map { try EntityContext.entry($0, key: subject) })
        } else if state.fields["history"] != nil {
            return .history(try state.list("history").map { try EntityContext.entry($0, key: subject) })
        } else {
            return .window(try state.list("window").map { point in
                guard case .list(let pair) = point, pair.count == 2, case .timestamp(let time) = pair[0],
                    case .number(let amount) = pair[1]
                else { throw state.missing("window", "a list of [time, amount] pairs") }
                return ContextState.WindowPoint(time: time, amount: amount)
            })
        }
    }

    private static func entry(_ value: Value, key: String) throws -> ContextEntry {
        let entry = try StoredObject(value, table: "entity_context", key: key)
        return ContextEntry(
            key: try entry.optionalString("key"), value: entry.value("value"), time: try entry.time("time"),
            eventID: try entry.string("id"), eventType: try entry.string("type"))
    }
}
