import ContextdEvents

extension TaskRecord {
    /// The outbox JSON of SPEC §3, fields in the SPEC's order, one line.
    ///
    /// `contributions` is an addition to the SPEC's fields: for each score, its largest
    /// contributions (at most three), so that a CRM user can see why a score is high.
    public var json: String {
        // One buffer for the whole line: encoding each field to a String and joining them cost
        // about 110,000 instructions a task, 7 % of a replay.
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        out.append(UInt8(ascii: "{"))
        func name(_ name: StaticString) {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            JSON.appendKey(name, to: &out)
        }
        func field(_ key: StaticString, _ value: Value) {
            name(key)
            JSON.append(value, to: &out)
        }
        func string(_ key: StaticString, _ s: String) {
            name(key)
            JSON.appendString(s, to: &out)
        }
        func optionalTime(_ key: StaticString, _ t: Timestamp?) { field(key, t.map { .string($0.rfc3339) } ?? .null) }
        string("id", id)
        string("rule", rule)
        string("subject", subject)
        string("assignee", assignee)
        field("priority", .number(priority))
        string("what", what)
        string("where", `where`)
        field("how", .list(how.map(Value.string)))
        string("why", why)
        field("scores", .object(scores.mapValues { .number(TaskRecord.rounded($0.value, 4)) }))
        field("contributions", .object(scores.mapValues { score in
            .list(score.contributions.prefix(3).map { c in
                .object([
                    "feature": .string(c.feature), "value": c.value,
                    "contribution": .number(TaskRecord.rounded(c.contribution, 4)),
                ])
            })
        }))
        field("evidence", .list(evidence.map(Value.string)))
        string("created_at", createdAt.rfc3339)
        optionalTime("not_before", notBefore)
        optionalTime("expires_at", expiresAt)
        field("deferred_by", deferredBy.map(Value.string) ?? .null)
        field("tags", .list(tags.map(Value.string)))
        field("data", .object(data))
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func rounded(_ x: Double, _ digits: Int) -> Double {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (x * scale).rounded() / scale
    }
}
