import ContextdEngine
import ContextdEvents
import Testing

/// Time triggers fire on the virtual clock, in time order, before the event that moves it.
@Suite struct TimerTests {
    let engine: Engine

    init() throws {
        engine = Engine(ruleSet: try ReplayHarness.loadRules([RepositoryPaths.engineFixture("timers")]))
    }

    func booked(_ id: String, at: String, time: String, subject: String = "c1") -> Event {
        EventFactory.event("appointment.booked", subject, time, ["id": .string(id), "at": .string(at)])
    }

    func created(_ changes: [TaskChange]) -> [TaskRecord] {
        changes.compactMap { if case .created(let task) = $0 { task } else { nil } }
    }

    @Test func timerFiresWhenTheClockIsAdvancedWithoutAnyEvent() throws {
        #expect(created(engine.apply(booked("a1", at: "2026-11-22T15:00:00Z", time: "10:00"))).isEmpty)
        #expect(created(engine.advance(to: EventFactory.time("13:59:59"))).isEmpty)
        let fired = created(engine.advance(to: EventFactory.time("14:00")))
        #expect(fired.count == 1)
        #expect(fired.first?.createdAt == EventFactory.time("14:00"))
        #expect(fired.first?.what == "Reminder: appointment a1 at 15:00")
        #expect(engine.statistics.timersFired == 1)
    }

    @Test func timersFireInTimeOrderBeforeTheEventThatMovesTheClock() throws {
        engine.apply(booked("late", at: "2026-11-22T18:00:00Z", time: "10:00"))
        engine.apply(booked("early", at: "2026-11-22T16:00:00Z", time: "10:01"))
        // This event is at 17:30: both timers (15:00 and 17:00) are due first, in that order.
        let changes = engine.apply(EventFactory.event("user.login", "c1", "17:30"))
        let tasks = created(changes)
        #expect(tasks.map(\.createdAt) == [EventFactory.time("15:00"), EventFactory.time("17:00")])
        #expect(tasks.map { $0.what.contains("early") } == [true, false])
        #expect(engine.clock == EventFactory.time("17:30"))
    }

    @Test func removingTheItemCancelsItsTimer() throws {
        engine.apply(booked("a1", at: "2026-11-22T15:00:00Z", time: "10:00"))
        engine.apply(EventFactory.event("appointment.cancelled", "c1", "11:00", ["id": "a1"]))
        #expect(created(engine.advance(to: EventFactory.time("23:00"))).isEmpty)
    }

    @Test func anInstantAlreadyReachedIsEvaluatedByTheEventNotByATimer() throws {
        // Booked 30 minutes before: inside the hour, so the booking itself fires; no timer is left.
        let tasks = created(engine.apply(booked("a1", at: "2026-11-22T15:00:00Z", time: "14:30")))
        #expect(tasks.map(\.createdAt) == [EventFactory.time("14:30")])
        #expect(created(engine.advance(to: EventFactory.time("23:00"))).isEmpty)
        #expect(engine.statistics.timersFired == 0)
    }

    @Test func aTimerWithoutForEachIsOnePerEntityAndFollowsTheLatestChange() throws {
        engine.apply(EventFactory.event("user.login", "c2", "10:00"))
        engine.apply(EventFactory.event("user.login", "c2", "10:20"))
        let tasks = created(engine.advance(to: EventFactory.time("12:00")))
        #expect(tasks.map(\.createdAt) == [EventFactory.time("10:50")])
        #expect(tasks.first?.subject == "c2")
    }
}
