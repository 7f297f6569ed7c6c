import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdStore
import Foundation
import GRDB
import Testing

/// The daemon's engine keeps only a working set of contexts and reads the others back from
/// the store (``StoredContexts``): that must change nothing but memory.
@Suite struct WorkingSetTests {
    let until = Timestamp(rfc3339: "2026-12-31T00:00:00Z")!

    /// A `lead.visit` to a page that makes no task: it only folds context.
    static func visit(id: String, subject: String, at time: String) -> Event {
        Event(id: id, source: "web", type: "lead.visit", subject: subject, time: Timestamp(rfc3339: time)!,
            kind: .process, data: .object(["page": .string("/blog"), "owner": .string("user-1")]))
    }

    /// A fresh store in its own directory, deleted by `body`'s end.
    func withStore<T>(_ body: (SQLiteStore, String) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("working-set-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("contextd.sqlite").path
        return try body(try SQLiteStore(path: path), path)
    }

    /// An engine under `rules` that reads the contexts it lets go of back from `store`, as the
    /// daemon's does.
    func engine(_ rules: RuleSet, reading store: SQLiteStore) throws -> (Engine, StoredContexts) {
        let source = StoredContexts(store: store)
        let engine = Engine(ruleSet: rules, allowedLateness: RestartTests.lateness, restoring: try store.snapshot(includingContexts: false))
        engine.contextSource = source
        engine.recordsChanges = true
        return (engine, source)
    }

    /// Every fixture through one engine that lets go of every context at each commit (a cache
    /// of 2): each event of a known entity, and each timer, reads its context back from the
    /// store. The tasks are those of a replay holding everything.
    @Test(arguments: [1, 7, 50])
    func aWorkingSetOfTwoGivesTheTasksOfAReplay(batchSize: Int) throws {
        let rules = try RestartTests.ruleSet()
        let events = try RestartTests.fixtureEvents()
        let straight = Replay(ruleSet: rules, allowedLateness: RestartTests.lateness)
        for event in events { straight.apply(event) }
        straight.finish(until: until)

        try withStore { store, _ in
            let (engine, source) = try engine(rules, reading: store)
            var mostHeld = 0
            for start in stride(from: 0, to: events.count, by: batchSize) {
                var tasks: [TaskChange] = []
                for event in events[start..<min(start + batchSize, events.count)] { tasks += engine.apply(event) }
                if start + batchSize >= events.count { tasks += engine.advance(to: until) }
                try source.check()
                try store.commit(Commit(changes: engine.takeChanges(), tasks: tasks))
                engine.trimContexts(keeping: 2)
                mostHeld = max(mostHeld, engine.contextsHeld)
            }
            let stored = try RestartTests.allTasks(in: store).map(\.record.json).sorted()
            #expect(stored == straight.tasks.map(\.json).sorted())
            #expect(straight.tasks.count > 20)
            // Read back: more than the distinct subjects, since each comes back after every trim.
            let subjects = Set(events.map(\.subject)).count
            #expect(source.reads > subjects)
            #expect(mostHeld <= 2 + 2 * batchSize)
        }
    }

    /// Without a source the engine holds everything, whatever the trim asks.
    @Test func withoutASourceNothingIsLetGo() throws {
        let engine = Engine(ruleSet: try RestartTests.ruleSet())
        engine.recordsChanges = true
        let events = try RestartTests.fixtureEvents()
        for event in events { engine.apply(event) }
        _ = engine.takeChanges()
        let held = engine.contextsHeld
        engine.trimContexts(keeping: 1)
        #expect(engine.contextsHeld == held)
        #expect(held > 10)
    }

    /// A context used in the last generation survives one trim; one unused for a whole
    /// generation is read back from the store.
    @Test func aContextUsedLatelyStaysInMemory() throws {
        let rules = try RestartTests.ruleSet()
        try withStore { store, _ in
            let (engine, source) = try engine(rules, reading: store)
            let everything = Engine(ruleSet: rules)
            func visit(_ subject: String, _ n: Int) throws {
                let event = Self.visit(id: "v\(n)", subject: subject, at: "2026-03-01T10:0\(n):00Z")
                engine.apply(event)
                everything.apply(event)
                try store.commit(Commit(changes: engine.takeChanges()))
                engine.trimContexts(keeping: 4)
            }
            try visit("lead-a", 1)
            try visit("lead-b", 2)  // 2 held: a trim makes them the retiring generation
            let readsBefore = source.reads
            try visit("lead-a", 3)  // from the retiring generation, no read
            #expect(source.reads == readsBefore)
            // New: one read that finds nothing. With a and c held, the trim makes them the
            // retiring generation and drops b, unused for a whole generation.
            try visit("lead-c", 4)
            try visit("lead-d", 5)  // new: one read
            try visit("lead-b", 6)  // read back from the store
            #expect(source.reads == readsBefore + 3)
            // Both visits of b are in its context, as in an engine that held it all along.
            #expect(engine.context(of: "lead-b") == everything.context(of: "lead-b"))
        }
    }

    /// A context the store cannot give back stops the commit: the engine went on with an
    /// empty context, which must not replace the stored one.
    @Test func aFailedReadStopsTheCommit() throws {
        let rules = try RestartTests.ruleSet()
        try withStore { store, path in
            let (engine, source) = try engine(rules, reading: store)
            let first = Self.visit(id: "v1", subject: "lead-a", at: "2026-03-01T10:00:00Z")
            engine.apply(first)
            try store.commit(Commit(changes: engine.takeChanges()))
            engine.trimContexts(keeping: 1)
            engine.apply(Self.visit(id: "v2", subject: "lead-b", at: "2026-03-01T10:01:00Z"))
            try store.commit(Commit(changes: engine.takeChanges()))
            engine.trimContexts(keeping: 1)  // lead-a is dropped

            let queue = try DatabaseQueue(path: path)
            try queue.write { try $0.execute(sql: "UPDATE entity_context SET state = 'not json' WHERE subject = 'lead-a'") }
            engine.apply(Self.visit(id: "v3", subject: "lead-a", at: "2026-03-01T10:02:00Z"))
            #expect(throws: (any Error).self) { try source.check() }
        }
    }
}
