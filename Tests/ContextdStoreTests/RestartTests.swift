import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdRules
import ContextdStore
import Foundation
import Testing

/// The promise the daemon builds on: stopping after any batch, committing, and going on in a
/// new engine restored from the store gives exactly the tasks of one uninterrupted run.
@Suite struct RestartTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func ruleSet() throws -> RuleSet {
        try RuleLoader.load(paths: [root.appendingPathComponent("rules").path]).get()
    }

    /// The fixtures are replayed in file name order, not in time order: their dates go back
    /// and forth by more than the 7 days of default lateness, and these tests are about
    /// restarts, not late events.
    static let lateness = TimeSpan.days(3650)

    /// Every task the store holds, in any state: out of time order, some are created already
    /// expired (`expired` in the store, printed by replay like the rest).
    static func allTasks(in store: SQLiteStore) throws -> [StoredTask] {
        try TaskDelivery.allCases.flatMap { try store.tasks(in: $0) }
    }

    /// Every event of every fixture file, in file name order then file order.
    static func fixtureEvents() throws -> [Event] {
        let folder = root.appendingPathComponent("fixtures")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jsonl") }
            .sorted()
        var events: [Event] = []
        for name in names {
            let reader = try #require(EventFileReader(path: folder.appendingPathComponent(name).path))
            try reader.forEach { if case .event(let event, _) = $0 { events.append(event) } }
        }
        return events
    }

    @Test(arguments: [1, 7, 50])
    func restoringAfterEveryBatchGivesTheSameTasks(batchSize: Int) throws {
        let rules = try Self.ruleSet()
        let events = try Self.fixtureEvents()
        let until = try #require(Timestamp(rfc3339: "2026-12-31T00:00:00Z"))

        let straight = Replay(ruleSet: rules, allowedLateness: RestartTests.lateness)
        for event in events { straight.apply(event) }
        straight.finish(until: until)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("contextd.sqlite").path

        var start = 0
        while start <= events.count {
            let store = try SQLiteStore(path: path)
            let engine = Engine(ruleSet: rules, allowedLateness: RestartTests.lateness, restoring: try store.snapshot())
            engine.recordsChanges = true
            var tasks: [TaskChange] = []
            let end = min(start + batchSize, events.count)
            for event in events[start..<end] { tasks += engine.apply(event) }
            if end == events.count { tasks += engine.advance(to: until) }
            try store.commit(Commit(changes: engine.takeChanges(), tasks: tasks))
            start = end == events.count ? events.count + 1 : end
        }

        let store = try SQLiteStore(path: path)
        let stored = try RestartTests.allTasks(in: store).map(\.record.json).sorted()
        #expect(stored.count == straight.tasks.count)
        #expect(stored == straight.tasks.map(\.json).sorted())
        #expect(straight.tasks.count > 20)
    }

    @Test func contextSurvivesTheRoundTripExactly() throws {
        let rules = try Self.ruleSet()
        let engine = Engine(ruleSet: rules)
        engine.recordsChanges = true
        for event in try Self.fixtureEvents() { engine.apply(event) }
        let changes = engine.takeChanges()
        #expect(!changes.contexts.isEmpty)
        for context in changes.contexts {
            #expect(try EntityContext(subject: context.subject, storedText: context.storedText) == context)
        }
    }

    @Test func taggedValuesKeepTheirTypes() throws {
        let value: Value = .object([
            "due": .timestamp(Timestamp(milliseconds: 1_700_000_000_000)), "gap": .duration(.days(3)),
            "$t": .number(5), "$$x": .string("y"), "list": .list([.null, .bool(true), .number(1.5)]),
        ])
        #expect(try PersistentValue.decode(PersistentValue.encode(value)) == value)
    }
}
