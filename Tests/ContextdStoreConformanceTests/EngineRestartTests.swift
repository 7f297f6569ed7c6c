import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdRules
import ContextdStore
import ContextdTestKit
import Testing

/// The promise the daemon builds on: stopping after any group of events, committing, and going
/// on in a new engine restored from the reopened store gives exactly the tasks of one
/// uninterrupted `replay`, in every field.
@Suite(.blocksAThread) struct EngineRestartTests {
    static let until = Timestamp(rfc3339: "2026-12-31T00:00:00Z")!
    /// The fixtures are replayed in file name order, not in time order: their dates go back and
    /// forth by more than the default lateness, and this is about restarts, not late events.
    static let lateness = TimeSpan.days(3650)

    static func ruleSet() throws -> RuleSet {
        try RuleLoader.load(paths: [StockFiles.rules]).get()
    }

    /// Every event of every stock fixture, in file name order then file order.
    static func fixtureEvents() throws -> [Event] {
        try StockFiles.fixtures().flatMap { path in
            var events: [Event] = []
            try #require(EventFileReader(path: path)).forEach { if case .event(let event, _) = $0 { events.append(event) } }
            return events
        }
    }

    /// Every task the store holds, in any state (some are created already expired), by id.
    static func storedTasks(in store: any DaemonStore) throws -> [TaskRecord] {
        try TaskDelivery.allCases.flatMap { try store.tasks(in: $0) }.map(\.record).sorted { $0.id < $1.id }
    }

    @Test(arguments: StoreBackend.all, [1, 7, 50])
    func restartingAfterEveryGroupGivesTheTasksOfReplay(_ backend: StoreBackend, groupSize: Int) async throws {
        let rules = try Self.ruleSet()
        let events = try Self.fixtureEvents()
        let replay = Replay(ruleSet: rules, allowedLateness: Self.lateness)
        for event in events { replay.apply(event) }
        replay.finish(until: Self.until)
        #expect(replay.tasks.count > 20)

        try await backend.withStore { store in
            var start = 0
            var restarts = 0
            var explained: [String] = []
            while start <= events.count {
                let engine = Engine(ruleSet: rules, allowedLateness: Self.lateness, restoring: try store.store.snapshot())
                engine.recordsChanges = true
                let end = min(start + groupSize, events.count)
                var tasks: [TaskChange] = []
                for event in events[start..<end] { tasks += engine.apply(event) }
                if end == events.count { tasks += engine.advance(to: Self.until) }
                let explanations = tasks.compactMap { change -> TaskExplanation? in
                    guard case .created(let task) = change else { return nil }
                    return TaskExplanation(taskID: task.id, text: "why \(task.id)\n", appends: false)
                }
                explained += explanations.map(\.taskID)
                try store.store.commit(Commit(changes: engine.takeChanges(), tasks: tasks, explanations: explanations))
                try await store.reopen()
                restarts += 1
                start = end == events.count ? events.count + 1 : end
            }
            #expect(restarts == (events.count + groupSize - 1) / groupSize)

            let stored = try Self.storedTasks(in: store.store)
            let expected = replay.tasks.sorted { $0.id < $1.id }
            #expect(stored.count == expected.count)
            #expect(stored == expected)
            // Field by field, as replay prints them: the JSON of each task.
            #expect(stored.map(\.json) == expected.map(\.json))
            #expect(explained.count > 20)
            for id in explained {
                #expect(try (store.store as any StateStore).explanation(of: id)?.text == "why \(id)\n")
            }
        }
    }
}
