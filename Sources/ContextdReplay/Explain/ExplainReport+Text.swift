import ContextdEngine
import ContextdEvents

extension ExplainReport {
    /// The report for people: one block per entry, labels in a column, then the funnel.
    public var text: String {
        var blocks = entries.map { entry in
            switch entry {
            case .trace(let trace): text(trace)
            case .quiet(let quiet): Self.text(quiet)
            }
        }
        if includesFunnel { blocks.append(Self.text(recorder.funnel)) }
        return blocks.joined(separator: "\n")
    }

    public func text(_ trace: DecisionTrace) -> String {
        var lines = TraceLines()
        lines.header(Self.header(trace))
        lines.add("trigger", Self.trigger(trace.evaluation.trigger))
        if let item = trace.evaluation.item { lines.add("item", item) }
        add(trace.evaluation, to: &lines)
        for step in trace.steps where step.effect != .notApplicable(.ruleNotListed) {
            let kind = step.kind == .ruleDedup ? "the rule's dedup" : step.kind.rawValue
            lines.add("policy", "\(step.policy) (\(kind)): " + Self.describe(step.effect, of: step.kind))
        }
        if let task = trace.emitted {
            lines.add("emitted", "priority \(ValueText.number(task.priority)), assignee \(task.assignee), "
                + "where \(task.where), created_at \(task.createdAt.rfc3339)"
                + (task.notBefore.map { ", not_before \($0.rfc3339)" } ?? "")
                + (task.expiresAt.map { ", expires_at \($0.rfc3339)" } ?? ""))
            if !task.evidence.isEmpty { lines.add("evidence", task.evidence.joined(separator: ", ")) }
        }
        for release in trace.releases {
            lines.add("released", "early by event \(release.eventID) "
                + "(\(release.eventType) from \(release.eventSource)), policy \(release.policy): not_before \(release.previousNotBefore.rfc3339) → "
                + release.notBefore.rfc3339)
        }
        return lines.text
    }

    /// `task t-… · rule … · subject …`, or for no task, why not.
    static func header(_ trace: DecisionTrace) -> String {
        let evaluation = trace.evaluation
        if let task = trace.task { return "task \(task.id) · rule \(task.rule) · subject \(task.subject)" }
        let start = "no task · rule \(evaluation.rule) · subject \(evaluation.subject) · "
        switch trace.outcome {
        case .heldBack:
            guard let part = evaluation.stoppedAt.map({ evaluation.conditions[$0] }) else { return start + "held back" }
            return start + "held back: \(part.source) is " + verdict(part.outcome)
        case .suppressed: return start + "stopped by \(trace.stoppedBy?.policy ?? "a policy")"
        case .failed, .emitted: return start + "failed"
        }
    }

    /// The `when` parts, the values read and the scores of one evaluation.
    private func add(_ evaluation: RuleEvaluation, to lines: inout TraceLines) {
        for condition in evaluation.conditions {
            switch condition.outcome {
            case .value(let value):
                lines.add("when", Self.pad(ValueText.render(value, limit: 20), 6) + " " + condition.source)
            case .failed(let message): lines.add("when", "error  \(condition.source): \(message)")
            case .notEvaluated: lines.add("when", "-      \(condition.source) (not evaluated)")
            }
        }
        for reading in evaluation.context {
            lines.add("context", "\(reading.name) = " + ValueText.render(reading.value ?? .null))
        }
        for reading in evaluation.lets {
            let shown = reading.error.map { "error: \($0)" } ?? ValueText.render(reading.value ?? .null)
            lines.add("let", "\(reading.name) = " + shown)
        }
        for name in evaluation.scores.keys.sorted() {
            let score = evaluation.scores[name]!
            lines.add("score", "\(name) = \(ValueText.number(score.value))" + model(of: name, score))
            for contribution in score.contributions {
                lines.add("score", "  " + Self.pad(ValueText.signed(contribution.contribution), 9)
                    + " \(contribution.feature) = " + ValueText.render(contribution.value))
            }
        }
        if let error = evaluation.error { lines.add("error", error) }
    }

    static func text(_ quiet: DecisionRecorder.QuietEvent) -> String {
        let event = quiet.event
        var lines = TraceLines()
        lines.header("no task · event \(event.id) · subject \(event.subject) · "
            + (quiet.reason == .duplicate ? "duplicate" : "no rule runs on \(event.type)"))
        lines.add("event", "\(event.id) (\(event.type) from \(event.source)) at \(event.time.rfc3339)")
        if quiet.reason == .duplicate { lines.add("skipped", "(source, id) was already applied") }
        for release in quiet.releases {
            lines.add("released", "\(release.task.id) (rule \(release.task.rule)) early, policy \(release.policy): "
                + "not_before \(release.previousNotBefore.rfc3339) → \(release.notBefore.rfc3339)")
        }
        return lines.text
    }

    /// How the score was formed, when its scorer is known: ` (logistic: intercept -4, z = 0.6993)`,
    /// the score being 1 / (1 + e^-z) with z the intercept plus the contributions.
    private func model(of name: String, _ score: Score) -> String {
        guard let scorer = scorers[name] else { return "" }
        let sum = score.contributions.reduce(0) { $0 + $1.contribution }
        switch scorer.model {
        case .logistic(let intercept, _):
            return " (logistic: intercept \(ValueText.number(intercept)), z = \(ValueText.number(intercept + sum)))"
        case .scorecard(let base, _):
            return " (scorecard: base \(ValueText.number(base)))"
        }
    }

    static func verdict(_ outcome: RuleEvaluation.Condition.Outcome) -> String {
        switch outcome {
        case .value(let value): ValueText.render(value, limit: 40)
        case .failed(let message): "an error (\(message))"
        case .notEvaluated: "not evaluated"
        }
    }

    static func text(_ funnel: DecisionFunnel) -> String {
        var lines = ["funnel (per rule: evaluated, matched, stopped by a policy, tasks)"]
        for stage in funnel.stages {
            let stopped = stage.stopped.reduce(0) { $0 + $1.count }
            lines.append("  \(stage.rule): \(stage.evaluations) evaluated, \(stage.matched) matched, "
                + (stage.errors > 0 ? "\(stage.errors) failed, " : "") + "\(stopped) stopped, \(stage.tasks) tasks")
            for (condition, count) in stage.heldBack where count > 0 {
                lines.append("    \(count) held back by: \(condition)")
            }
            for (policy, count) in stage.stopped { lines.append("    \(count) stopped by: \(policy)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func trigger(_ trigger: RuleEvaluation.Trigger) -> String {
        switch trigger {
        case .event(let id, let source, let type, let time): "event \(id) (\(type) from \(source)) at \(time.rfc3339)"
        case .timer(let at): "timer at \(at.rfc3339)"
        }
    }

    static func describe(_ effect: PolicyStep.Effect, of kind: PolicyStep.Kind) -> String {
        switch effect {
        case .notApplicable(.ruleNotListed): "not for this rule"
        case .notApplicable(.appliesTo): "does not apply (applies_to is not true)"
        case .notApplicable(.when):
            "not " + (kind == .defer ? "deferred" : kind == .route ? "routed" : "suppressed") + " (when is not true)"
        case .deferred(let until): "deferred until \(until.rfc3339)"
        case .deferredPastExpiry(let notBefore, let expiresAt):
            "not delivered: deferred past its expiry (not_before \(notBefore.rfc3339) is not before expires_at "
                + "\(expiresAt.rfc3339))"
        case .notDeferred(let until): "not deferred (until = \(ValueText.render(until)) is not later)"
        case .suppressed: "suppressed (when holds)"
        case .limitReached(let key, let count, let limit, let per):
            "suppressed: \(count) tasks for key \"\(key)\" in the last \(per) (limit \(limit))"
        case .counted(let key, let count, let limit, let per):
            "let through: \(count) earlier tasks for key \"\(key)\" in the last \(per) (limit \(limit))"
        case .deduplicated(let key, let previous, let window):
            "deduplicated: a task with key \"\(key)\" was emitted at \(previous.rfc3339)"
                + (window.map { ", within \($0)" } ?? "")
        case .firstForKey(let key, let window):
            "first task for key \"\(key)\"" + (window.map { " within \($0)" } ?? "")
        case .expires(let at): "expires_at set to \(at.rfc3339)"
        case .keptExpiry(let at): "kept expires_at \(at?.rfc3339 ?? "null")"
        case .routed(let from, let to): "routed from \(from) to \(to)"
        case .contactCapReached(let count): "suppressed: " + describe(count)
        case .contactCounted(let count): "let through: " + describe(count)
        case .exempt(let priority, let floor, let count):
            "exempt: priority \(ValueText.number(priority)) ≥ \(ValueText.number(floor)), never stopped but counted; "
                + describe(count)
        case .coolingDown(let outcome, let at, let until):
            "cooling down: \(outcome.rawValue) at \(at.rfc3339), until \(until.rfc3339)"
        case .notCoolingDown(let outcomes, let within):
            "let through: no \(outcomes.map(\.rawValue).joined(separator: " or ")) outcome for this rule and subject "
                + "in the last \(within)"
        case .failed(let message): "failed (skipped): \(message)"
        }
    }

    /// `2 earlier tasks for assignee "user-dana" via crm_task in the last 1d`.
    private static func describe(_ count: PolicyStep.ContactCount) -> String {
        "\(count.count) earlier task\(count.count == 1 ? "" : "s") for \(count.by.rawValue) \"\(count.party)\" "
            + "via \(count.channel) in the last \(count.per) (limit \(count.limit))"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

/// Lines of a block: a header, then `label  text` with the labels in one column; a label
/// repeated on consecutive lines is written once.
private struct TraceLines {
    private var lines: [String] = []
    private var lastLabel: String?

    mutating func header(_ text: String) { lines.append(text) }

    mutating func add(_ label: String, _ text: String) {
        let shown = label == lastLabel ? "" : label
        lastLabel = label
        let width = max(10, shown.count + 2)
        lines.append("  " + shown + String(repeating: " ", count: width - shown.count) + text)
    }

    var text: String { lines.joined(separator: "\n") + "\n" }
}
