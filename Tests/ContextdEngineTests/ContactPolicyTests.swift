import ContextdEngine
import ContextdEvents
import Testing

/// `kind: contact` (at most N tasks per assignee or subject and channel per period, urgent ones
/// exempt) on the virtual clock, with the rules of Fixtures/contact.
@Suite struct ContactPolicyTests {
    let engine: Engine

    init() throws {
        engine = Engine(ruleSet: try ReplayHarness.loadRules([RepositoryPaths.engineFixture("contact")]))
    }

    func offer(
        _ subject: String, _ time: String, channel: String = "phone", agent: String = "a1", priority: Double = 50
    ) -> Event {
        EventFactory.event("offer.due", subject, time,
            ["offer": .string("\(subject)-\(time)"), "agent": .string(agent), "channel": .string(channel),
             "priority": .number(priority)])
    }

    /// `created <subject>` or `suppressed <subject> by <policy>` per change.
    func outcomes(_ changes: [TaskChange]) -> [String] {
        changes.map {
            switch $0 {
            case .created(let task): "created \(task.subject)"
            case .released(let task): "released \(task.subject)"
            case .expiredOnArrival(let task): "expired on arrival \(task.subject)"
            case .suppressed(let task, let policy): "suppressed \(task.subject) by \(policy)"
            }
        }
    }

    func apply(_ events: [Event]) -> [String] { events.flatMap { outcomes(engine.apply($0)) } }

    @Test func aFourthTaskForTheSameAgentAndChannelInADayIsStopped() {
        let results = apply([offer("c1", "09:00"), offer("c2", "10:00"), offer("c3", "11:00"), offer("c4", "12:00")])
        #expect(results == ["created c1", "created c2", "created c3", "suppressed c4 by three-per-agent-and-channel"])
    }

    /// `/v1/status` shows per rule which policy stopped its candidates: counted where they are
    /// stopped, by the policy's name.
    @Test func theRuleCountsItsStoppedCandidatesByPolicy() throws {
        _ = apply([offer("c1", "09:00"), offer("c2", "10:00"), offer("c3", "11:00"), offer("c4", "12:00"),
            offer("c5", "12:30")])
        let rule = try #require(engine.statistics.rules.values.first { $0.suppressed > 0 })
        #expect(rule.suppressed == 2)
        #expect(rule.suppressedBy == ["three-per-agent-and-channel": 2])
        #expect(rule.tasks == 3)
    }

    @Test func anotherChannelOrAnotherAgentHasItsOwnCount() {
        _ = apply([offer("c1", "09:00"), offer("c2", "10:00"), offer("c3", "11:00")])
        #expect(apply([offer("c4", "12:00", channel: "email")]) == ["created c4"])
        #expect(apply([offer("c5", "12:30", agent: "a2")]) == ["created c5"])
        #expect(apply([offer("c6", "13:00")]) == ["suppressed c6 by three-per-agent-and-channel"])
    }

    @Test func onceThePeriodHasPassedTasksAreAllowedAgain() {
        _ = apply([offer("c1", "09:00"), offer("c2", "10:00"), offer("c3", "11:00")])
        // The period is (created_at − 1d, created_at]: 09:00 the next day no longer counts c1.
        #expect(apply([offer("c4", "2026-11-23T08:59:59Z")]) == ["suppressed c4 by three-per-agent-and-channel"])
        #expect(apply([offer("c5", "2026-11-23T09:00:00Z")]) == ["created c5"])
        #expect(apply([offer("c6", "2026-11-23T09:30:00Z")]) == ["suppressed c6 by three-per-agent-and-channel"])
    }

    @Test func anUrgentTaskIsNeverStoppedButStillCounts() {
        let log = ExplainTests.CallLog()
        engine.observer = log
        _ = apply([offer("c1", "09:00"), offer("c2", "10:00")])
        // Urgent and the third: exempt, and it fills the cap.
        #expect(apply([offer("c3", "10:30", priority: 95)]) == ["created c3"])
        #expect(apply([offer("c4", "11:00")]) == ["suppressed c4 by three-per-agent-and-channel"])
        // Over the cap, urgent still passes.
        #expect(apply([offer("c5", "11:30", priority: 90)]) == ["created c5"])
        let steps = log.steps.filter { $0.policy == "three-per-agent-and-channel" }
        let count = { (n: Int) in
            PolicyStep.ContactCount(by: .assignee, party: "a1", channel: "phone", count: n, limit: 3, per: .days(1))
        }
        #expect(steps.map(\.effect) == [
            .contactCounted(count(0)), .contactCounted(count(1)), .exempt(priority: 95, floor: 90, count(2)),
            .contactCapReached(count(3)), .exempt(priority: 90, floor: 90, count(3)),
        ])
        #expect(steps.map(\.acted) == [false, false, true, true, true])
        #expect(steps.allSatisfy { $0.kind == .contact })
    }

    @Test func bySubjectCountsTasksPerSubjectAndChannelWhoeverTheAssignee() {
        let remind = { (subject: String, time: String, channel: String) in
            EventFactory.event("reminder.due", subject, time, ["channel": .string(channel)])
        }
        #expect(apply([remind("c1", "09:00", "sms"), remind("c1", "09:30", "sms"), remind("c1", "09:40", "push"),
                       remind("c2", "09:45", "sms"), remind("c1", "10:00", "sms")])
            == ["created c1", "suppressed c1 by one-reminder-per-customer-and-channel", "created c1", "created c2",
                "created c1"])
    }

    @Test func aTaskAPolicyStopsLaterDoesNotUseUpTheCap() throws {
        // The cooldown after the contact cap stops c1's second offer; the cap must not count it.
        #expect(apply([offer("c1", "08:00")]) == ["created c1"])
        engine.apply(TaskOutcome(task: "t-1", rule: "offer", subject: "c1", assignee: "a1", outcome: .rejected,
            time: EventFactory.time("08:30")).event)
        #expect(apply([offer("c1", "09:00"), offer("c2", "10:00"), offer("c3", "11:00")])
            == ["suppressed c1 by cool-down-after-rejection", "created c2", "created c3"])
        #expect(apply([offer("c4", "12:00")]) == ["suppressed c4 by three-per-agent-and-channel"])
    }

    @Test func theCountSurvivesARestart() {
        engine.recordsChanges = true
        _ = apply([offer("c1", "09:00"), offer("c2", "10:00"), offer("c3", "11:00")])
        let changes = engine.takeChanges()
        #expect(changes.limitKeys.keys.contains { $0.hasPrefix("contact:three-per-agent-and-channel") })
        let restored = Engine(ruleSet: engine.ruleSet,
            restoring: EngineSnapshot(clock: changes.clock, limitKeys: changes.limitKeys))
        #expect(outcomes(restored.apply(offer("c4", "12:00"))) == ["suppressed c4 by three-per-agent-and-channel"])
    }
}
