import ContextdEngine
import ContextdEvents
import ContextdStore

/// Rows the conformance tests commit: tasks with every field set, and contexts of every kind
/// of declaration.
enum SampleRows {
    static let nine = Timestamp(rfc3339: "2026-11-23T09:00:00Z")!

    /// A task with every field the record keeps, `id` and what the test varies set apart.
    static func task(
        _ id: String, assignee: String = "queue:fraud", priority: Double = 50, rule: String = "card-fraud",
        subject: String? = nil, createdAt: Timestamp = nine, notBefore: Timestamp? = nil, expiresAt: Timestamp? = nil
    ) -> TaskRecord {
        TaskRecord(
            id: id, rule: rule, subject: subject ?? "cust-" + id, assignee: assignee, priority: priority,
            what: "Call the customer", where: "phone", how: ["confirm the card", "block it if not theirs"],
            why: "a payment 600 km from the last one", scores: [
                "fraud": Score(value: 0.875, contributions: [
                    Contribution(feature: "distance_km", value: .number(612), contribution: 1.25),
                ]),
            ],
            evidence: ["e-1", "e-2"], createdAt: createdAt, notBefore: notBefore, expiresAt: expiresAt,
            deferredBy: notBefore == nil ? nil : "sessions", tags: ["fraud", "card"],
            data: ["amount": .number(912.5), "city": .string("Paris"), "at": .timestamp(createdAt)])
    }

    static func entry(_ value: Value, key: String? = nil, minutes: Int64 = 0) -> ContextEntry {
        ContextEntry(key: key, value: value, time: nine + .minutes(minutes), eventID: "e-\(minutes)",
            eventType: "card.transaction")
    }

    /// A context with a declaration of each kind, its values of every type.
    static func context(_ subject: String, balance: Double) -> EntityContext {
        EntityContext(subject: subject, states: [
            "balance": .latest(entry(.number(balance))),
            "no_session": .latest(nil),
            "payments": .collection([
                entry(.object(["amount": .number(900), "due": .timestamp(nine)]), key: "p-1"),
                entry(.object(["amount": .number(12.25), "within": .duration(.minutes(90))]), key: "p-2", minutes: 5),
            ]),
            "locations": .history([
                entry(.object(["lat": .number(48.85), "city": .string("Paris")]), minutes: 1),
                entry(.list([.null, .bool(true), .string("é")]), minutes: 2),
            ]),
            "visits": .window([.init(time: nine, amount: 1), .init(time: nine + .minutes(1), amount: 0.5)]),
            "empty_history": .history([]),
        ])
    }
}
