public import ContextdEngine
import ContextdEvents

/// How a task is kept in the `task` table: every field, scores with all their contributions,
/// unrounded, so a deferred task restored after a restart is the task the engine made.
extension TaskRecord {
    public var storedText: String {
        let scores: [String: Value] = scores.mapValues { score in
            .object([
                "value": .number(score.value),
                "contributions": .list(score.contributions.map {
                    .object(["feature": .string($0.feature), "value": $0.value, "contribution": .number($0.contribution)])
                }),
            ])
        }
        var object = asValue
        if case .object(var fields) = object {
            fields["scores"] = .object(scores)
            object = .object(fields)
        }
        return PersistentValue.encode(object)
    }

    public init(id: String, storedText: String) throws {
        let task = try StoredObject(PersistentValue.decode(storedText), table: "task", key: id)
        var scores: [String: Score] = [:]
        for (name, value) in try task.object("scores") {
            let score = try StoredObject(value, table: "task", key: id + " score " + name)
            scores[name] = Score(
                value: try score.number("value"),
                contributions: try score.list("contributions").map { item in
                    let contribution = try StoredObject(item, table: "task", key: id + " score " + name)
                    return Contribution(
                        feature: try contribution.string("feature"), value: contribution.value("value"),
                        contribution: try contribution.number("contribution"))
                })
        }
        self.init(
            id: try task.string("id"), rule: try task.string("rule"), subject: try task.string("subject"),
            assignee: try task.string("assignee"), priority: try task.number("priority"), what: try task.string("what"),
            where: try task.string("where"), how: try task.strings("how"), why: try task.string("why"), scores: scores,
            evidence: try task.strings("evidence"), createdAt: try task.time("created_at"),
            notBefore: try task.optionalTime("not_before"), expiresAt: try task.optionalTime("expires_at"),
            deferredBy: try task.optionalString("deferred_by"), tags: try task.strings("tags"),
            data: try task.object("data"))
    }
}
