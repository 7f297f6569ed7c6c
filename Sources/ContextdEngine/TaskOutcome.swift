public import ContextdEvents

/// What a CRM reported about a task it took: done, accepted or rejected, with a note.
///
/// An outcome reaches the engine as an ordinary event of the reserved type ``eventType``, made by
/// ``event``, and goes through ``Engine/apply(_:)`` like any other. So the daemon, `replay` and
/// `contextd test` share one code path: an operator tests a cooldown in a `*.test.yaml` with an
/// inline outcome event, and the daemon's acknowledged outcomes are idempotent and replayable
/// like every other input.
public struct TaskOutcome: Sendable, Hashable {
    /// The reserved event type of outcomes; rule files may name it (`on: [contextd.task.outcome]`)
    /// without declaring it.
    public static let eventType = "contextd.task.outcome"
    /// The `source` of the events ``event`` makes.
    public static let eventSource = "contextd/outcomes"

    /// The outcomes a CRM may report (SPEC §3, `POST /v1/tasks/{id}/ack`).
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        case done, accepted, rejected
    }

    public var task: String
    public var rule: String
    /// The task's subject; the outcome event is about it.
    public var subject: String
    public var assignee: String
    public var outcome: Outcome
    public var note: String
    /// When the outcome was acknowledged.
    public var time: Timestamp

    public init(
        task: String, rule: String, subject: String, assignee: String, outcome: Outcome, note: String = "",
        time: Timestamp
    ) {
        self.task = task
        self.rule = rule
        self.subject = subject
        self.assignee = assignee
        self.outcome = outcome
        self.note = note
        self.time = time
    }

    /// The event that carries the outcome into the engine. Its id is `outcome-<task id>`, so a
    /// task's outcome is applied at most once however often it is acknowledged or replayed.
    ///
    /// It carries `specversion` "1.0" among its attributes, as every decoded event does (a rule
    /// test's inline outcome, a line of a replayed file): so the event the daemon applies is the
    /// one ``EventDecoder`` gives back from its ``Event/jsonLine``, the text the cluster's event
    /// log keeps of it.
    public var event: Event {
        Event(
            id: "outcome-" + task, source: Self.eventSource, type: Self.eventType, subject: subject, time: time,
            kind: .process,
            data: .object([
                "task": .string(task), "rule": .string(rule), "assignee": .string(assignee),
                "outcome": .string(outcome.rawValue), "note": .string(note),
            ]),
            attributes: ["specversion": "1.0"])
    }

    /// The fields of `data`, as rule files see them (`event.data.outcome`).
    public static let dataFields = ["task", "rule", "assignee", "outcome", "note"]
}
