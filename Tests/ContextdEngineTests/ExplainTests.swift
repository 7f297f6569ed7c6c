import ContextdEngine
import ContextdEvents
import ContextdReplay
import Testing

/// The engine's observer hook (`EngineObserver`): what it reports for each evaluation, policy
/// step, early release and emitted task, on the stock rules and fixtures.
@Suite struct ExplainTests {
    /// Every call, in order.
    final class CallLog: EngineObserver {
        enum Call {
            case evaluated(RuleEvaluation)
            case applied(PolicyStep)
            case released(EarlyRelease)
            case emitted(TaskRecord)
        }

        var calls: [Call] = []
        var evaluations: [RuleEvaluation] { calls.compactMap { if case .evaluated(let e) = $0 { e } else { nil } } }
        var steps: [PolicyStep] { calls.compactMap { if case .applied(let s) = $0 { s } else { nil } } }
        var releases: [EarlyRelease] { calls.compactMap { if case .released(let r) = $0 { r } else { nil } } }
        var emitted: [TaskRecord] { calls.compactMap { if case .emitted(let t) = $0 { t } else { nil } } }

        func didEvaluate(_ evaluation: RuleEvaluation) { calls.append(.evaluated(evaluation)) }
        func didApply(_ step: PolicyStep) { calls.append(.applied(step)) }
        func didRelease(_ release: EarlyRelease) { calls.append(.released(release)) }
        func didEmit(_ task: TaskRecord) { calls.append(.emitted(task)) }
    }

    func observed(_ fixtures: [String], rules: String = RepositoryPaths.rules, until: Timestamp? = nil) throws
        -> (Replay, CallLog)
    {
        let replay = Replay(ruleSet: try ReplayHarness.loadRules([rules]))
        let log = CallLog()
        replay.engine.observer = log
        for fixture in fixtures {
            replay.apply(file: try #require(EventFileReader(path: RepositoryPaths.fixture(fixture))))
        }
        replay.finish(until: until)
        return (replay, log)
    }

    func number(_ value: Value?) -> Double { value?.numberValue ?? .nan }

    @Test func theFraudEvaluationShowsBothEventsDistanceSpeedAndContributions() throws {
        let (replay, log) = try observed(["fraud-paris-after-new-york.jsonl"])
        let evaluation = try #require(log.evaluations.first)
        #expect(log.evaluations.count == 1)
        #expect(evaluation.rule == "location-mismatch-fraud")
        #expect(evaluation.subject == "cust-42")
        #expect(evaluation.trigger == .event(id: "evt-fraud-01-b", source: "cards", type: "card.transaction",
            time: EventFactory.time("2026-11-22T10:40:00Z")))
        #expect(evaluation.conditions.map(\.source)
            == ["has(event.data.lat) && has(event.data.lon)", "previous != null", "km >= 500", "kmh >= 900"])
        #expect(evaluation.conditions.allSatisfy { $0.held })
        #expect(evaluation.matched)
        let lets = Dictionary(uniqueKeysWithValues: evaluation.lets.map { ($0.name, $0.value) })
        #expect(evaluation.lets.map(\.name) == ["previous", "km", "kmh", "gap"])
        #expect(lets["previous"]??["id"] == "evt-fraud-01-a")
        #expect(abs(number(lets["km"] ?? nil) - 5837.249) < 0.001)
        #expect(abs(number(lets["kmh"] ?? nil) - 9216.709) < 0.001)
        #expect(lets["gap"] == .duration(.minutes(38)))
        #expect(evaluation.context.map(\.name) == ["locations"])
        let risk = try #require(evaluation.scores["fraud_risk"])
        #expect(risk.contributions.map(\.feature)
            == ["speed_thousand_kmh", "log_amount", "distance_thousand_km", "card_not_present"])
        #expect(abs(risk.contributions[0].contribution - 3.2258) < 0.0001)
        #expect(evaluation.candidate?.evidence == ["evt-fraud-01-a", "evt-fraud-01-b"])
        let fraudCount = PolicyStep.ContactCount(
            by: .assignee, party: "queue:fraud", channel: "phone", count: 0, limit: 3, per: .days(1))
        let priority = try #require(evaluation.candidate?.priority)
        #expect(log.steps.map(\.effect) == [
            .exempt(priority: priority, floor: 90, fraudCount), .notApplicable(.ruleNotListed),
            .notApplicable(.appliesTo), .firstForKey(key: "cust-42", window: .hours(24)),
        ])
        #expect(log.steps.map(\.policy) == ["contact-cap", "cool-down-after-rejected-lead", "defer-on-mobile", "dedup"])
        #expect(log.steps.last?.kind == .ruleDedup)
        #expect(log.emitted == replay.tasks)
    }

    @Test func theCallsComeInDecisionOrder() throws {
        let (_, log) = try observed(["fraud-paris-after-new-york.jsonl"])
        let kinds = log.calls.map {
            switch $0 {
            case .evaluated: "evaluated"
            case .applied(let step): step.policy
            case .released: "released"
            case .emitted: "emitted"
            }
        }
        #expect(kinds == [
            "evaluated", "contact-cap", "cool-down-after-rejected-lead", "defer-on-mobile", "dedup", "emitted",
        ])
    }

    @Test func aFalseConditionIsNamedAndTheRestAreNotEvaluated() throws {
        let (_, log) = try observed(["fraud-speed-just-under-900.jsonl"])
        let evaluation = try #require(log.evaluations.first)
        #expect(evaluation.conditions.map(\.outcome) == [.value(true), .value(true), .value(true), .value(false)])
        #expect(evaluation.stoppedAt == 3)
        #expect(!evaluation.matched)
        #expect(evaluation.candidate == nil)
        #expect(log.steps.isEmpty && log.emitted.isEmpty)
    }

    @Test func onlyTheLetValuesTheEvaluationReadAreReported() throws {
        // No earlier location within 12 h: `previous` is null, so `km`, `kmh` and `gap` are never read.
        let (_, log) = try observed(["fraud-window-12h-plus-1s.jsonl"])
        let evaluation = try #require(log.evaluations.first)
        #expect(evaluation.conditions.map(\.outcome) == [.value(true), .value(false), .notEvaluated, .notEvaluated])
        #expect(evaluation.lets == [RuleEvaluation.Reading(name: "previous", value: .null)])
        #expect(evaluation.scores.isEmpty)
    }

    @Test func theSecondFraudWithin24HoursIsStoppedByTheRulesDedup() throws {
        let (replay, log) = try observed(["fraud-once-per-24h.jsonl"])
        #expect(log.evaluations.count == 3)
        #expect(log.evaluations.allSatisfy { $0.matched })
        let stopped = log.steps.filter(\.stopped)
        #expect(stopped.map(\.effect) == [
            .deduplicated(key: "cust-1012", previous: EventFactory.time("2026-11-23T20:40:00Z"), window: .hours(24)),
        ])
        #expect(stopped.first?.task == replay.suppressed.first?.task.id)
        #expect(log.emitted.count == 2)
    }

    @Test func anEarlyReleaseNamesTheEventAndBothTimes() throws {
        let (replay, log) = try observed(["defer-released-by-desktop.jsonl"])
        #expect(log.steps.first { $0.policy == "defer-on-mobile" }?.effect
            == .deferred(until: EventFactory.time("2026-11-18T13:00:00Z")))
        let release = try #require(log.releases.first)
        #expect(release.eventID == "evt-defer-07-c")
        #expect(release.policy == "defer-on-mobile")
        #expect(release.previousNotBefore == EventFactory.time("2026-11-18T13:00:00Z"))
        #expect(release.notBefore == EventFactory.time("2026-11-18T11:00:00Z"))
        #expect(release.task == replay.tasks.first)
    }

    @Test func aTimerEvaluationSaysSoAndNamesItsItem() throws {
        let (_, log) = try observed(["mixed-day.jsonl"])
        let timed = log.evaluations.filter { $0.trigger == .timer(at: EventFactory.time("2026-11-26T00:00:00Z")) }
        #expect(timed.map(\.item) == ["pay-7001-rent-dec", "pay-7003-rent-dec"])
        #expect(timed.map(\.matched) == [true, false])
    }

    @Test func eachPolicyKindSaysWhatItDid() throws {
        let engine = Engine(ruleSet: try ReplayHarness.loadRules([RepositoryPaths.engineFixture("policies")]))
        let log = CallLog()
        engine.observer = log
        func order(_ subject: String, _ value: Double, channel: String = "phone") -> Event {
            EventFactory.event("order.placed", subject, "10:00", ["order": .string(subject), "value": .number(value),
                "channel": .string(channel), "agent": "a1"])
        }
        engine.apply(order("c1", 600))
        #expect(log.steps.map(\.effect) == [
            .routed(from: "a1", to: "queue:senior"), .counted(key: "queue:senior", count: 0, limit: 2, per: .days(1)),
            .notApplicable(.when), .firstForKey(key: "c1", window: .hours(1)),
            .expires(at: EventFactory.time("2026-11-24T10:00:00Z")),
            .notApplicable(.appliesTo),
        ])
        #expect(log.steps.allSatisfy { !$0.stopped })
        log.calls = []
        engine.apply(order("c2", 950, channel: "fax"))
        // vip-alert's task skips the policies limited to order-follow-up, and `no-fax` does not stop it.
        let vip = log.steps.filter { $0.rule == "vip-alert" }
        #expect(vip.map(\.effect).prefix(2) == [.notApplicable(.ruleNotListed), .notApplicable(.ruleNotListed)])
        #expect(!vip.contains { $0.applied && $0.policy == "vip-route" })
        let fax = log.steps.filter { $0.rule == "order-follow-up" && $0.policy == "no-fax" }
        #expect(fax.map(\.effect) == [.suppressed])
        #expect(fax.first?.acted == true)
    }

    @Test func failuresAreReportedWithTheLetThatFailed() throws {
        let engine = Engine(ruleSet: try ReplayHarness.loadRules([RepositoryPaths.engineFixture("explain")]))
        let log = CallLog()
        engine.observer = log
        engine.apply(EventFactory.event("card.transaction", "c1", "10:00", ["merchant": "Harrods"]))
        engine.apply(EventFactory.event("card.transaction", "c1", "10:01", ["amount": 120]))
        engine.apply(EventFactory.event("card.transaction", "c1", "10:02", ["amount": 200]))
        let (failed, heldBack, matched) = (log.evaluations[0], log.evaluations[1], log.evaluations[2])
        guard case .failed(let message) = failed.conditions.first?.outcome else {
            Issue.record("the first part should have failed: \(failed.conditions)")
            return
        }
        #expect(message.contains("no field 'amount'"))
        #expect(failed.conditions.last?.outcome == .notEvaluated)
        #expect(failed.error != nil)
        #expect(failed.lets.map(\.name) == ["amount"])
        #expect(failed.lets.first?.error != nil)
        #expect(heldBack.lets == [.init(name: "amount", value: 120), .init(name: "doubled", value: 240)])
        #expect(heldBack.stoppedAt == 1)
        #expect(matched.matched && matched.candidate?.why == "200")
        #expect(engine.statistics.rules["big-spender"]?.errors == 1)
    }

    @Test func observingChangesNothing() throws {
        let rules = try ReplayHarness.loadRules()
        let fixtures = ["mixed-day.jsonl", "fraud-once-per-24h.jsonl", "defer-released-by-desktop.jsonl"]
            .map(RepositoryPaths.fixture)
        let plain = try ReplayHarness.replay(fixtures, rules: rules)
        let watched = Replay(ruleSet: rules)
        watched.recorder = DecisionRecorder(scope: .everything)
        watched.engine.monotonicClock = { 0 }
        for fixture in fixtures { watched.apply(file: try #require(EventFileReader(path: fixture))) }
        watched.finish(until: nil)
        #expect(watched.tasks == plain.tasks)
        #expect(watched.suppressed.map(\.task) == plain.suppressed.map(\.task))
        #expect(watched.engine.statistics == plain.engine.statistics)
    }

    @Test func aClockMeasuresEachRuleAndNoClockMeasuresNothing() throws {
        let rules = try ReplayHarness.loadRules()
        let fixture = RepositoryPaths.fixture("mixed-day.jsonl")
        let unmeasured = try ReplayHarness.replay([fixture], rules: rules)
        #expect(unmeasured.engine.statistics.rules.values.allSatisfy { $0.nanoseconds == 0 })
        let measured = Replay(ruleSet: rules)
        var ticks: UInt64 = 0
        measured.engine.monotonicClock = {
            ticks += 1_000
            return ticks
        }
        measured.apply(file: try #require(EventFileReader(path: fixture)))
        // Each evaluation of a rule reads the clock twice, 1 µs apart.
        let statistics = measured.engine.statistics.rules
        #expect(statistics["location-mismatch-fraud"]?.nanoseconds == 5 * 1_000)
        #expect(statistics["hot-lead-follow-up"]?.nanoseconds == 7 * 1_000)
        #expect(statistics.values.allSatisfy { $0.nanoseconds > 0 })
    }

    @Test func theFunnelCountsEachStagePerRule() throws {
        let replay = Replay(ruleSet: try ReplayHarness.loadRules())
        let recorder = DecisionRecorder(scope: .everything)
        replay.recorder = recorder
        replay.apply(file: try #require(EventFileReader(path: RepositoryPaths.fixture("mixed-day.jsonl"))))
        replay.finish(until: nil)
        let fraud = try #require(recorder.funnel.stages.first { $0.rule == "location-mismatch-fraud" })
        #expect(fraud.evaluations == 5)
        #expect(fraud.heldBack.map(\.count) == [1, 0, 2, 0])
        #expect(fraud.matched == 2)
        #expect(fraud.stopped.map(\.policy) == ["dedup"])
        #expect(fraud.tasks == 1)
        #expect(recorder.quietEvents.contains { $0.reason == .duplicate && $0.event.id == "evt-mixed-q" })
        let kept = recorder.traces.filter { $0.emitted != nil }.compactMap(\.task)
        #expect(kept == replay.tasks)
    }
}
