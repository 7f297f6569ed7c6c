import ContextdEngine
import ContextdEvents

extension ExplainReport {
    /// The report for tools: one JSON object per line, each with `"explain"` saying what it is.
    ///
    /// - `{"explain": "task", "task": <the task's outbox JSON, final form>, "outcome": "emitted",
    ///   "evaluation": {…}, "policies": […], "releases": […]}`
    /// - `{"explain": "no_task", "outcome": "held_back" | "suppressed" | "failed", "stopped_by": …,
    ///   "evaluation": {…}, "policies": […]}`
    /// - `{"explain": "no_evaluation", "reason": "no_rule" | "duplicate", "event": {…}}`
    /// - `{"explain": "funnel", "rules": [{"rule": …, "evaluations": …, "held_back": [{"when": …,
    ///   "count": …}], "errors": …, "matched": …, "stopped": {"<policy>": n}, "tasks": …}]}`
    ///
    /// An evaluation is `{"rule", "subject", "trigger": {"event", "source", "type", "time"} or
    /// {"timer"}, "now", "item", "conditions": [{"when", "value"} or {"when", "error"} or
    /// {"when", "evaluated": false}], "matched", "context": {name: value}, "let": [{"name",
    /// "value"} or {"name", "error"}], "scores": {name: {"value", "contributions": [{"feature",
    /// "value", "contribution"}]}}, "error"}`. Values are complete, as JSON.
    public var jsonLines: String {
        var lines = entries.map { entry in
            switch entry {
            case .trace(let trace): Self.json(trace)
            case .quiet(let quiet): Self.json(quiet)
            }
        }
        if includesFunnel { lines.append(Self.json(recorder.funnel)) }
        return lines.map { $0 + "\n" }.joined()
    }

    static func json(_ trace: DecisionTrace) -> String {
        var object: [String: Value] = [
            "explain": .string(trace.task == nil ? "no_task" : "task"),
            "outcome": .string(trace.outcome.rawValue),
            "evaluation": value(trace.evaluation),
            "policies": .list(trace.steps.map(value)),
        ]
        if let stopped = trace.stoppedBy { object["stopped_by"] = .string(stopped.policy) }
        guard let task = trace.task else { return JSON.encode(.object(object)) }
        object["releases"] = .list(trace.releases.map(value))
        // The task as `replay` prints it, spliced in so it reads exactly like the stdout line.
        let rest = JSON.encode(.object(object))
        return "{\"task\":" + task.json + "," + rest.dropFirst()
    }

    static func json(_ quiet: DecisionRecorder.QuietEvent) -> String {
        let event = quiet.event
        return JSON.encode(.object([
            "explain": "no_evaluation", "reason": .string(quiet.reason.rawValue),
            "event": .object([
                "id": .string(event.id), "source": .string(event.source), "type": .string(event.type),
                "subject": .string(event.subject), "time": .timestamp(event.time),
            ]),
        ]))
    }

    static func json(_ funnel: DecisionFunnel) -> String {
        let rules: [Value] = funnel.stages.map { stage in
            .object([
                "rule": .string(stage.rule), "evaluations": count(stage.evaluations),
                "held_back": .list(stage.heldBack.map {
                    .object(["when": .string($0.condition), "count": count($0.count)])
                }),
                "errors": count(stage.errors), "matched": count(stage.matched),
                "stopped": .object(Dictionary(stage.stopped.map { ($0.policy, count($0.count)) }) { a, _ in a }),
                "tasks": count(stage.tasks),
            ])
        }
        return JSON.encode(.object(["explain": "funnel", "rules": .list(rules)]))
    }

    static func value(_ evaluation: RuleEvaluation) -> Value {
        let trigger: Value =
            switch evaluation.trigger {
            case .event(let id, let source, let type, let time):
                .object([
                    "event": .string(id), "source": .string(source), "type": .string(type), "time": .timestamp(time),
                ])
            case .timer(let at): .object(["timer": .timestamp(at)])
            }
        let conditions: [Value] = evaluation.conditions.map { condition in
            switch condition.outcome {
            case .value(let value): .object(["when": .string(condition.source), "value": value])
            case .failed(let message): .object(["when": .string(condition.source), "error": .string(message)])
            case .notEvaluated: .object(["when": .string(condition.source), "evaluated": false])
            }
        }
        let lets: [Value] = evaluation.lets.map { reading in
            if let error = reading.error { return .object(["name": .string(reading.name), "error": .string(error)]) }
            return .object(["name": .string(reading.name), "value": reading.value ?? .null])
        }
        return .object([
            "rule": .string(evaluation.rule), "subject": .string(evaluation.subject), "trigger": trigger,
            "now": .timestamp(evaluation.now), "item": evaluation.item.map(Value.string) ?? .null,
            "conditions": .list(conditions), "matched": .bool(evaluation.matched),
            "context": .object(Dictionary(evaluation.context.map { ($0.name, $0.value ?? .null) }) { a, _ in a }),
            "let": .list(lets),
            "scores": .object(evaluation.scores.mapValues { score in
                .object([
                    "value": .number(score.value),
                    "contributions": .list(score.contributions.map { c in
                        .object([
                            "feature": .string(c.feature), "value": c.value, "contribution": .number(c.contribution),
                        ])
                    }),
                ])
            }),
            "error": evaluation.error.map(Value.string) ?? .null,
        ])
    }

    static func value(_ step: PolicyStep) -> Value {
        var object: [String: Value] = ["policy": .string(step.policy), "kind": .string(step.kind.rawValue)]
        switch step.effect {
        case .notApplicable(let reason):
            object["effect"] = "not_applicable"
            object["reason"] = .string(reason.rawValue)
        case .deferred(let until):
            object["effect"] = "deferred"
            object["until"] = .timestamp(until)
        case .deferredPastExpiry(let notBefore, let expiresAt):
            object["effect"] = "deferred_past_expiry"
            object["until"] = .timestamp(notBefore)
            object["expires_at"] = .timestamp(expiresAt)
        case .notDeferred(let until):
            object["effect"] = "not_deferred"
            object["until"] = until
        case .suppressed:
            object["effect"] = "suppressed"
        case .limitReached(let key, let n, let limit, let per), .counted(let key, let n, let limit, let per):
            object["effect"] = step.stopped ? "limit_reached" : "counted"
            object["key"] = .string(key)
            object["count"] = count(n)
            object["limit"] = count(limit)
            object["per"] = .duration(per)
        case .deduplicated(let key, let previous, let window):
            object["effect"] = "deduplicated"
            object["key"] = .string(key)
            object["previous"] = .timestamp(previous)
            object["window"] = window.map(Value.duration) ?? .null
        case .firstForKey(let key, let window):
            object["effect"] = "first_for_key"
            object["key"] = .string(key)
            object["window"] = window.map(Value.duration) ?? .null
        case .expires(let at):
            object["effect"] = "expires"
            object["at"] = .timestamp(at)
        case .keptExpiry(let at):
            object["effect"] = "kept_expiry"
            object["at"] = at.map(Value.timestamp) ?? .null
        case .routed(let from, let to):
            object["effect"] = "routed"
            object["from"] = .string(from)
            object["to"] = .string(to)
        case .contactCapReached(let tally), .contactCounted(let tally):
            object["effect"] = step.stopped ? "contact_cap_reached" : "contact_counted"
            add(tally, to: &object)
        case .exempt(let priority, let floor, let tally):
            object["effect"] = "exempt"
            object["priority"] = .number(priority)
            object["exempt_priority"] = .number(floor)
            add(tally, to: &object)
        case .coolingDown(let outcome, let at, let until):
            object["effect"] = "cooling_down"
            object["outcome"] = .string(outcome.rawValue)
            object["at"] = .timestamp(at)
            object["until"] = .timestamp(until)
        case .notCoolingDown(let outcomes, let within):
            object["effect"] = "not_cooling_down"
            object["outcomes"] = .list(outcomes.map { .string($0.rawValue) })
            object["for"] = .duration(within)
        case .failed(let message):
            object["effect"] = "failed"
            object["error"] = .string(message)
        }
        return .object(object)
    }

    /// `by`, `party`, `channel`, `count`, `limit` and `per` of a contact policy's count.
    private static func add(_ tally: PolicyStep.ContactCount, to object: inout [String: Value]) {
        object["by"] = .string(tally.by.rawValue)
        object["party"] = .string(tally.party)
        object["channel"] = .string(tally.channel)
        object["count"] = count(tally.count)
        object["limit"] = count(tally.limit)
        object["per"] = .duration(tally.per)
    }

    static func value(_ release: EarlyRelease) -> Value {
        .object([
            "policy": .string(release.policy), "event": .string(release.eventID), "type": .string(release.eventType),
            "source": .string(release.eventSource), "previous_not_before": .timestamp(release.previousNotBefore),
            "not_before": .timestamp(release.notBefore),
        ])
    }

    private static func count(_ n: Int) -> Value { .number(Double(n)) }
}
