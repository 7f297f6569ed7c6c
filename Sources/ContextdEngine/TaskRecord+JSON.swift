import ContextdEvents

extension TaskRecord {
    /// The outbox JSON of SPEC §3, fields in the SPEC's order, one line.
    ///
    /// `contributions` is an addition to the SPEC's fields: for each score, its largest
    /// contributions (at most three), so that a CRM user can see why a score is high.
    public var json: String {
        var out = "{"
        var first = true
        // Not `out.count > 1`: String.count walks every character, which made writing the task
        // lines 9% of a whole replay.
        func field(_ name: String, _ value: String) {
            if !first { out += "," }
            first = false
            out += "\"\(name)\":" + value
        }
        func string(_ s: String) -> String { JSON.encode(.string(s)) }
        func optionalTime(_ t: Timestamp?) -> String { t.map { string($0.rfc3339) } ?? "null" }
        field("id", string(id))
        field("rule", string(rule))
        field("subject", string(subject))
        field("assignee", string(assignee))
        field("priority", JSON.encode(.number(priority)))
        field("what", string(what))
        field("where", string(`where`))
        field("how", JSON.encode(.list(how.map(Value.string))))
        field("why", string(why))
        field("scores", JSON.encode(.object(scores.mapValues { .number(TaskRecord.rounded($0.value, 4)) })))
        field("contributions", JSON.encode(.object(scores.mapValues { score in
            .list(score.contributions.prefix(3).map { c in
                .object([
                    "feature": .string(c.feature), "value": c.value,
                    "contribution": .number(TaskRecord.rounded(c.contribution, 4)),
                ])
            })
        })))
        field("evidence", JSON.encode(.list(evidence.map(Value.string))))
        field("created_at", string(createdAt.rfc3339))
        field("not_before", optionalTime(notBefore))
        field("expires_at", optionalTime(expiresAt))
        field("deferred_by", deferredBy.map(string) ?? "null")
        field("tags", JSON.encode(.list(tags.map(Value.string))))
        field("data", JSON.encode(.object(data)))
        return out + "}"
    }

    static func rounded(_ x: Double, _ digits: Int) -> Double {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (x * scale).rounded() / scale
    }
}
