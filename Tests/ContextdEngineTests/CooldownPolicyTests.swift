import ContextdEngine
import ContextdEvents
import ContextdReplay
import Testing

/// Task outcomes applied as `contextd.task.outcome` events, and `kind: cooldown` acting on them,
/// on the virtual clock, with the rules of Fixtures/contact (a 14-day cooldown of `offer` after
/// a rejection).
@Suite struct CooldownPolicyTests {
    let engine: Engine

    init() throws {
        engine = Engine(ruleSet: try ReplayHarness.loadRules([RepositoryPaths.engineFixture("contact")]))
    }

    func offer(_ subject: String, _ time: String, agent: String = "a1") -> Event {
        EventFactory.event("offer.due", subject, time,
            ["offer": .string("\(subject)-\(time)"), "agent": .string(agent), "channel": "phone", "priority": 50])
    }

    func outcome(_ outcome: TaskOutcome.Outcome, rule: String = "offer", subject: String = "c1", at time: String,
        task: String = "t-1") -> Event
    {
        TaskOutcome(task: task, rule: rule, subject: subject, assignee: "a1", outcome: outcome, note: "not now",
            time: EventFactory.time(time)).event
    }

    /// The offer tasks created, or the policy that stopped the offer (other rules' tasks left out).
    func offers(_ changes: [TaskChange]) -> [String] {
        changes.compactMap {
            switch $0 {
            case .created(let task) where task.rule == "offer": "created \(task.subject)"
            case .suppressed(let task, let policy) where task.rule == "offer": "suppressed \(task.subject) by \(policy)"
            default: nil
            }
        }
    }

    @Test func theOutcomeEventIsTheOneTheDaemonIsToApply() {
        let event = TaskOutcome(task: "t-9", rule: "offer", subject: "c1", assignee: "a1", outcome: .rejected,
            note: "no budget", time: EventFactory.time("10:00")).event
        #expect(event.type == "contextd.task.outcome")
        #expect(event.source == "contextd/outcomes")
        #expect(event.id == "outcome-t-9")
        #expect(event.subject == "c1")
        #expect(event.time == EventFactory.time("10:00"))
        #expect(event.data == .object([
            "task": "t-9", "rule": "offer", "assignee": "a1", "outcome": "rejected", "note": "no budget",
        ]))
        #expect(event.attributes == ["specversion": "1.0"], "as a decoded event, or a rule test's inline outcome")
    }

    /// The cluster's event log keeps an acknowledged outcome as ``Event/jsonLine``: the event
    /// the log's evaluation decodes from it is the one the daemon made, for every outcome, with
    /// any note (quotes, line breaks, non-ASCII) and an acknowledgement time in milliseconds.
    @Test(arguments: TaskOutcome.Outcome.allCases)
    func theOutcomeEventSurvivesItsJSONLine(outcome: TaskOutcome.Outcome) throws {
        for note in ["", "no budget", "said \"later\"\nand hung up", "rappeler à 15 h — Zoë 📞", "tab\there \\ back"] {
            let event = TaskOutcome(task: "t-9/ü", rule: "offer", subject: "c1", assignee: "queue:fraud", outcome: outcome,
                note: note, time: EventFactory.time("2026-11-01T10:00:00.375Z")).event
            let line = event.jsonLine
            #expect(!line.contains("\n"))
            for decoder in [EventDecoder(), EventDecoder(defaultKind: .process)] {
                #expect(try decoder.decode(line: Array(line.utf8), lineNumber: 1).get() == event, "\(line)")
            }
        }
    }

    @Test func aRejectionStopsTheRuleForTheSubjectUntilExactlyForLater() {
        engine.apply(outcome(.rejected, at: "2026-11-01T10:00:00Z"))
        #expect(offers(engine.apply(offer("c1", "2026-11-01T10:00:00Z")))
            == ["suppressed c1 by cool-down-after-rejection"])
        #expect(offers(engine.apply(offer("c1", "2026-11-15T09:59:59Z")))
            == ["suppressed c1 by cool-down-after-rejection"])
        #expect(offers(engine.apply(offer("c1", "2026-11-15T10:00:00Z"))) == ["created c1"])
    }

    @Test func anAcceptedOutcomeDoesNotCoolDownARejectedOnlyPolicy() {
        engine.apply(outcome(.accepted, at: "2026-11-01T10:00:00Z"))
        engine.apply(outcome(.done, at: "2026-11-01T11:00:00Z", task: "t-2"))
        #expect(offers(engine.apply(offer("c1", "2026-11-02T10:00:00Z"))) == ["created c1"])
    }

    @Test func otherSubjectsAndOtherRulesAreNotCooledDown() {
        engine.apply(outcome(.rejected, at: "2026-11-01T10:00:00Z"))
        engine.apply(outcome(.rejected, rule: "reminder", subject: "c2", at: "2026-11-01T10:00:00Z", task: "t-2"))
        #expect(offers(engine.apply(offer("c2", "2026-11-02T10:00:00Z"))) == ["created c2"])
        #expect(offers(engine.apply(offer("c1", "2026-11-02T11:00:00Z")))
            == ["suppressed c1 by cool-down-after-rejection"])
    }

    @Test func aDuplicateOutcomeIsSkippedAndDoesNotMoveTheCooldown() {
        engine.apply(outcome(.rejected, at: "2026-11-01T10:00:00Z"))
        // The same (source, id) again, acknowledged later: a duplicate, so it cools nothing down.
        #expect(engine.apply(outcome(.rejected, at: "2026-11-10T10:00:00Z")).isEmpty)
        #expect(engine.statistics.duplicates == 1)
        #expect(offers(engine.apply(offer("c1", "2026-11-15T10:00:00Z"))) == ["created c1"])
    }

    @Test func rulesMayTriggerOnOutcomes() {
        let changes = engine.apply(outcome(.rejected, at: "2026-11-01T10:00:00Z"))
        guard case .created(let task)? = changes.first else {
            Issue.record("no task from the outcome: \(changes)")
            return
        }
        #expect(task.rule == "review-rejection")
        #expect(task.what == "Review why a1 rejected t-1")
        #expect(task.evidence == ["outcome-t-1"])
        #expect(engine.apply(outcome(.done, at: "2026-11-01T11:00:00Z", task: "t-2")).isEmpty)
    }

    @Test func aMalformedOutcomeIsAFaultAndCoolsNothingDown() {
        let noRule = EventFactory.event(TaskOutcome.eventType, "c1", "2026-11-01T10:00:00Z", ["outcome": "rejected"])
        let unknown = EventFactory.event(TaskOutcome.eventType, "c1", "2026-11-01T10:00:00Z",
            ["rule": "offer", "outcome": "rejectd"])
        engine.apply(noRule)
        engine.apply(unknown)
        // (The fixture's review-rejection rule fails on the first as well: it has no assignee.)
        let faults = engine.faults.filter { $0.rule == TaskOutcome.eventType }
        #expect(faults.map(\.eventID) == [noRule.id, unknown.id])
        #expect(faults.first?.message.contains("'data.rule' must be the id of the task's rule") == true)
        #expect(faults.last?.message.contains("'data.outcome' must be one of done, accepted, rejected") == true)
        #expect(offers(engine.apply(offer("c1", "2026-11-02T10:00:00Z"))) == ["created c1"])
    }

    @Test func theOutcomeSurvivesARestartThroughTheDedupKeys() {
        engine.recordsChanges = true
        engine.apply(outcome(.rejected, at: "2026-11-01T10:00:00Z"))
        let changes = engine.takeChanges()
        let key = "outcome:rejected\u{1F}offer\u{1F}c1"
        #expect(changes.dedupKeys[key] == EventFactory.time("2026-11-01T10:00:00Z"))
        let restored = Engine(ruleSet: engine.ruleSet, restoring: EngineSnapshot(
            clock: changes.clock, seenEvents: changes.seenEvents, dedupKeys: changes.dedupKeys))
        #expect(offers(restored.apply(offer("c1", "2026-11-05T10:00:00Z")))
            == ["suppressed c1 by cool-down-after-rejection"])
        // The outcome itself is remembered as applied, so a redelivery after the restart is skipped.
        #expect(restored.apply(outcome(.rejected, at: "2026-11-01T10:00:00Z")).isEmpty)
        #expect(restored.statistics.duplicates == 1)
    }

    @Test func explainSaysWhichOutcomeCooledTheTaskDownAndUntilWhen() throws {
        let recorder = DecisionRecorder(scope: .everything)
        engine.observer = recorder
        engine.apply(outcome(.rejected, at: "2026-11-01T10:00:00Z"))
        engine.apply(offer("c1", "2026-11-02T10:00:00Z"))
        engine.apply(offer("c2", "2026-11-02T11:00:00Z"))
        let report = ExplainReport(recorder: recorder, includesTasks: true, includesFunnel: true)
        let text = report.text
        for line in [
            "no task · rule offer · subject c1 · stopped by cool-down-after-rejection",
            "cool-down-after-rejection (cooldown): cooling down: rejected at 2026-11-01T10:00:00Z, "
                + "until 2026-11-15T10:00:00Z",
            "cool-down-after-rejection (cooldown): let through: no rejected outcome for this rule and subject "
                + "in the last 14d",
            #"three-per-agent-and-channel (contact): let through: 0 earlier tasks for assignee "a1" via phone "#
                + "in the last 1d (limit 3)",
            "1 stopped by: cool-down-after-rejection",
        ] {
            #expect(text.contains(line), "missing: \(line)\n\(text)")
        }
        let json = report.jsonLines
        #expect(json.contains(#""effect":"cooling_down""#) && json.contains(#""until":"2026-11-15T10:00:00Z""#))
        #expect(json.contains(#""effect":"contact_counted""#) && json.contains(#""party":"a1""#))
    }
}
