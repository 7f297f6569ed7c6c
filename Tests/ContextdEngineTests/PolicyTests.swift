import ContextdEngine
import ContextdEvents
import Testing

/// Each policy kind acting on candidate tasks, on the virtual clock.
@Suite struct PolicyTests {
    let engine: Engine

    init() throws {
        engine = Engine(ruleSet: try ReplayHarness.loadRules([RepositoryPaths.engineFixture("policies")]))
    }

    func order(_ subject: String, _ time: String, value: Double, channel: String = "phone", agent: String = "a1")
        -> Event
    {
        EventFactory.event("order.placed", subject, time,
            ["order": .string("\(subject)-\(time)"), "value": .number(value), "channel": .string(channel),
             "agent": .string(agent)])
    }

    func outcomes(_ changes: [TaskChange]) -> [String] {
        changes.map {
            switch $0 {
            case .created(let task): "created \(task.rule) for \(task.assignee)"
            case .released(let task): "released \(task.rule) at \(task.notBefore!.rfc3339)"
            case .expiredOnArrival(let task): "expired on arrival \(task.rule)"
            case .suppressed(let task, let policy): "suppressed \(task.rule) by \(policy)"
            }
        }
    }

    @Test func routeSendsValuableOrdersToSeniorAgents() {
        #expect(outcomes(engine.apply(order("c1", "10:00", value: 600))) == ["created order-follow-up for queue:senior"])
        #expect(outcomes(engine.apply(order("c2", "10:00", value: 100))) == ["created order-follow-up for a1"])
    }

    @Test func suppressLimitAllowsTwoPerAssigneePerDay() {
        let results = ["c1", "c2", "c3"].flatMap { outcomes(engine.apply(order($0, "10:00", value: 10))) }
        #expect(results == [
            "created order-follow-up for a1", "created order-follow-up for a1",
            "suppressed order-follow-up by two-per-agent-per-day",
        ])
        // A day later the window has moved on.
        #expect(outcomes(engine.apply(order("c4", "2026-11-23T10:00:00Z", value: 10))) == ["created order-follow-up for a1"])
    }

    @Test func suppressWhenDropsFaxTasks() {
        #expect(outcomes(engine.apply(order("c1", "10:00", value: 10, channel: "fax")))
            == ["suppressed order-follow-up by no-fax"])
        #expect(engine.statistics.tasksSuppressed == 1)
    }

    @Test func dedupPolicyAllowsOnePerCustomerPerHour() {
        #expect(outcomes(engine.apply(order("c1", "10:00", value: 10, agent: "x"))).count == 1)
        #expect(outcomes(engine.apply(order("c1", "10:59", value: 10, agent: "y")))
            == ["suppressed order-follow-up by one-per-customer-hour"])
        #expect(outcomes(engine.apply(order("c1", "11:00", value: 10, agent: "z"))) == ["created order-follow-up for z"])
    }

    @Test func expirePolicySetsExpiresAt() throws {
        let changes = engine.apply(order("c1", "10:00", value: 10))
        guard case .created(let task) = try #require(changes.first) else { Issue.record("no task"); return }
        #expect(task.expiresAt == EventFactory.time("2026-11-24T10:00:00Z"))
    }

    @Test func deferHoldsEmailsAndAnAvailabilityEventReleasesThemEarly() throws {
        let changes = engine.apply(order("c1", "10:00", value: 10, channel: "email", agent: "a7"))
        guard case .created(let task) = try #require(changes.first) else { Issue.record("no task"); return }
        #expect(task.notBefore == EventFactory.time("12:00"))
        #expect(task.deferredBy == "wait-for-office")
        // Not ready: no release. Another agent: no release. Ready at 11:15: released.
        #expect(engine.apply(EventFactory.event("agent.available", "a7", "10:30", ["ready": false])).isEmpty)
        #expect(engine.apply(EventFactory.event("agent.available", "a8", "10:45", ["ready": true])).isEmpty)
        #expect(outcomes(engine.apply(EventFactory.event("agent.available", "a7", "11:15", ["ready": true])))
            == ["released order-follow-up at 2026-11-22T11:15:00Z"])
        // Released once only.
        #expect(engine.apply(EventFactory.event("agent.available", "a7", "11:30", ["ready": true])).isEmpty)
    }

    @Test func policiesOnlyActOnTheRulesTheyName() {
        let results = outcomes(engine.apply(order("c1", "10:00", value: 950)))
        #expect(results == ["created order-follow-up for queue:senior", "created vip-alert for queue:vip"])
    }
}
