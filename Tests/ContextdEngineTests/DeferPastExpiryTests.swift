import ContextdEngine
import ContextdEvents
import Testing

/// Decision 0012: a task whose deferral leaves it due at or after its own expiry could never be
/// delivered; the engine stops it, named after the defer policy, in replay and daemon alike.
@Suite struct DeferPastExpiryTests {
    let engine: Engine
    let steps = StepRecorder()

    init() throws {
        engine = Engine(ruleSet: try ReplayHarness.loadRules([RepositoryPaths.engineFixture("defer-past-expiry")]))
        engine.observer = steps
    }

    func order(_ subject: String, _ time: String, channel: String) -> Event {
        EventFactory.event("order.placed", subject, time,
            ["order": .string(subject), "channel": .string(channel), "agent": .string("a1")])
    }

    @Test func aTaskDeferredPastItsExpiryIsStoppedByTheDeferPolicy() throws {
        let changes = engine.apply(order("c1", "10:00", channel: "email"))
        #expect(changes.count == 1)
        guard case .suppressed(let task, let policy) = try #require(changes.first) else {
            Issue.record("expected the task to be stopped, got \(changes)")
            return
        }
        #expect(policy == "wait-for-office")
        #expect(task.notBefore == EventFactory.time("12:00") && task.expiresAt == EventFactory.time("11:00"))
        #expect(engine.statistics.tasksSuppressed == 1 && engine.statistics.tasksCreated == 0)
        let effects = steps.steps.map(\.effect)
        #expect(effects == [
            .deferred(until: EventFactory.time("12:00")), .notApplicable(.appliesTo),
            .deferredPastExpiry(notBefore: EventFactory.time("12:00"), expiresAt: EventFactory.time("11:00")),
        ])
        #expect(steps.steps.last?.policy == "wait-for-office" && steps.steps.last?.stopped == true)
        #expect(steps.emitted.isEmpty)
        // Nothing is left deferred for a release to bring back.
        #expect(engine.apply(EventFactory.event("agent.available", "a1", "10:30", ["ready": true])).isEmpty)
    }

    @Test func aTaskNotDeferredIsEmittedWithItsExpiry() throws {
        let changes = engine.apply(order("c2", "10:00", channel: "phone"))
        guard case .created(let task) = try #require(changes.first) else {
            Issue.record("expected a task, got \(changes)")
            return
        }
        #expect(task.notBefore == nil && task.expiresAt == EventFactory.time("11:00"))
    }
}

/// Records what the engine tells an observer.
final class StepRecorder: EngineObserver {
    var steps: [PolicyStep] = []
    var emitted: [TaskRecord] = []
    var observesEveryEvaluation: Bool { false }
    func didApply(_ step: PolicyStep) { steps.append(step) }
    func didEmit(_ task: TaskRecord) { emitted.append(task) }
}
