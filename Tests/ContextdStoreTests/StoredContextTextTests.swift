import ContextdEngine
import ContextdEvents
import ContextdStore
import Testing

/// A context is written to `entity_context` straight as text; the bytes are those of encoding
/// it as a tagged ``Value`` with `JSON.encode` (how it was written before), and it reads back as
/// it was.
@Suite struct StoredContextTextTests {
    static let t0 = Timestamp(rfc3339: "2026-11-22T10:00:00Z")!

    static func entry(_ value: Value, key: String? = nil, minutes: Int64 = 0) -> ContextEntry {
        ContextEntry(key: key, value: value, time: t0 + TimeSpan(milliseconds: minutes * 60_000),
            eventID: "e-\(minutes)", eventType: "card.transaction")
    }

    /// The earlier writer's tagging: timestamps and durations as `{"$t": ms}` / `{"$d": ms}`,
    /// and a key starting with `$` given one more.
    static func tagged(_ value: Value) -> Value {
        switch value {
        case .timestamp(let time): .object(["$t": .number(Double(time.milliseconds))])
        case .duration(let span): .object(["$d": .number(Double(span.milliseconds))])
        case .list(let items): .list(items.map(tagged))
        case .object(let object):
            .object(Dictionary(uniqueKeysWithValues: object.map { ($0.hasPrefix("$") ? "$" + $0 : $0, tagged($1)) }))
        default: value
        }
    }

    /// The earlier writer: the whole context as one value, tagged and encoded.
    static func reference(_ context: EntityContext) -> String {
        func stored(_ entry: ContextEntry) -> Value {
            var object: [String: Value] = [
                "value": entry.value, "time": .timestamp(entry.time), "id": .string(entry.eventID),
                "type": .string(entry.eventType),
            ]
            if let key = entry.key { object["key"] = .string(key) }
            return .object(object)
        }
        var object: [String: Value] = [:]
        for (name, state) in context.states {
            switch state {
            case .latest(let entry): object[name] = .object(["latest": entry.map(stored) ?? .null])
            case .collection(let items): object[name] = .object(["collection": .list(items.map(stored))])
            case .history(let items): object[name] = .object(["history": .list(items.map(stored))])
            case .window(let points):
                object[name] = .object(["window": .list(points.map { .list([.timestamp($0.time), .number($0.amount)]) })])
            }
        }
        return JSON.encode(tagged(.object(object)))
    }

    @Test func theTextIsTheTaggedValuesAndReadsBack() throws {
        let awkward: Value = .object([
            "$amount": .number(12.5), "$$twice": .string("a\"b\\c\n"), "due": .timestamp(Self.t0),
            "within": .duration(TimeSpan(milliseconds: 90_000)), "nested": .list([.null, .bool(true), .number(1e21)]),
            "é": .string("ünïcode"), "empty": .object([:]),
        ])
        let context = EntityContext(subject: "c1", states: [
            "balance": .latest(Self.entry(.number(-12.25))),
            "nothing": .latest(nil),
            "payments": .collection([
                Self.entry(awkward, key: "p1"), Self.entry(.object(["amount": .number(900)]), key: "p2", minutes: 5),
            ]),
            "locations": .history((0..<3).map { Self.entry(.object(["lat": .number(48.85 + Double($0))]), minutes: Int64($0)) }),
            "visits": .window([.init(time: Self.t0, amount: 1), .init(time: Self.t0 + .minutes(1), amount: 0.1)]),
            "empty_history": .history([]),
            "$odd": .latest(Self.entry(.string("x"))),
        ])
        #expect(context.storedText == Self.reference(context))
        #expect(try EntityContext(subject: "c1", storedText: context.storedText) == context)
    }
}
