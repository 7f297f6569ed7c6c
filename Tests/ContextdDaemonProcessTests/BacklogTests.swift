import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdRules
import ContextdStore
import ContextdTestKit
import Foundation
import Testing

/// SPEC §2: a backlog of historical files dropped at once is evaluated exactly as `replay`
/// evaluates them.
@Suite(.serialized, .blocksAThread) struct BacklogTests {
    @Test(arguments: SandboxBackend.all) func fixtureBacklogGivesTheTasksReplayGives(backend: SandboxBackend) throws {
        let sandbox = try DaemonSandbox(backend: backend)
        let folder = DaemonSandbox.root.appendingPathComponent("fixtures")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jsonl") }
            .sorted()
        for name in names {
            try sandbox.drop(name, try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
        }
        try sandbox.start()
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop() == 0)
        try OutboxComparison.expectSameTasks(sandbox, files: names.map { folder.appendingPathComponent($0).path })
        #expect(sandbox.names(in: "done").count == names.count)
    }

    /// Decision 0009: the loop applies the next group while the last one commits, and reads the
    /// contexts it let go of from the last commit on disk. With a working set of four contexts
    /// and groups of seven events, nearly every event reads a context back while a commit is in
    /// flight; a read that missed the commit would lose a location, a balance or a visit.
    @Test(arguments: SandboxBackend.all)
    func aWorkingSetSmallerThanAGroupGivesTheTasksReplayGives(backend: SandboxBackend) throws {
        let sandbox = try DaemonSandbox(backend: backend, batchEvents: 7, contextCache: 4)
        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z"))
        let files = EventMix(customers: 300, start: start, seed: 5).files(perFile: 40)
        let copies = try sandbox.dropKeepingCopies(files)
        try sandbox.start()
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop() == 0)
        let compared = try OutboxComparison.expectSameTasks(sandbox, files: copies)
        #expect(compared > 50)
        // And the state: every stored context is the one an in-memory replay holds.
        #expect(try OutboxComparison.expectSameContexts(sandbox, files: copies).contexts >= 300)
        let log = try String(contentsOf: sandbox.log, encoding: .utf8)
        #expect(!log.contains(" warning ") && !log.contains(" error "))
    }
}

/// Compares the outbox with `replay` over the same files: same ids, same JSON, none twice.
enum OutboxComparison {
    /// Returns the number of tasks compared.
    @discardableResult
    static func expectSameTasks(_ sandbox: DaemonSandbox, files: [String]) throws -> Int {
        try expectSameTasks(sandbox, replayed: try sandbox.replay(files))
    }

    /// The same, with what replay printed given (`replay` of an export, with its clock steps).
    @discardableResult
    static func expectSameTasks(_ sandbox: DaemonSandbox, replayed: [String]) throws -> Int {
        try expectSameTasks(outbox: try sandbox.outboxTasks(), of: sandbox, replayed: replayed)
    }

    /// The same, with the outbox given (the union of a cluster's outboxes); `sandbox` gives the
    /// store and its clock.
    @discardableResult
    static func expectSameTasks(outbox: [String: String], of sandbox: DaemonSandbox, replayed: [String]) throws -> Int {
        let store = try sandbox.store()
        let clock = try #require(try sandbox.committedClock(store))
        let expired = Set(try store.tasks(in: .expired).map(\.record.id))
        // What the daemon must have written by its clock: every replayed task already due,
        // except those that expired before they became due.
        var expected: [String: String] = [:]
        for line in replayed {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let id = try #require(object["id"] as? String)
            #expect(expected[id] == nil, "replay printed \(id) twice")
            let due = (object["not_before"] as? String) ?? (object["created_at"] as? String) ?? ""
            guard let dueDate = parse(due),
                dueDate.timeIntervalSince1970 * 1000 <= Double(clock.milliseconds)
            else { continue }
            if expired.contains(id) { continue }
            expected[id] = line
        }
        #expect(Set(outbox.keys) == Set(expected.keys))
        for (id, line) in expected { #expect(outbox[id] == line, "task \(id) differs from replay") }
        #expect(expired.isSubset(of: Set(try replayed.map(DaemonSandbox.id))))
        #expect(!expected.isEmpty)
        return expected.count
    }

    /// Compares every context in the store with an in-memory `replay` of `files`. Returns how
    /// many stored contexts were compared and how many events the replay read.
    @discardableResult
    static func expectSameContexts(_ sandbox: DaemonSandbox, files: [String]) throws -> (contexts: Int, events: Int) {
        let replay = Replay(ruleSet: try RuleLoader.load(paths: [sandbox.rules.path]).get(),
            allowedLateness: try #require(TimeSpan(parsing: sandbox.allowedLateness ?? "7d")))
        for file in files { replay.apply(file: try #require(EventFileReader(path: file))) }
        let stored = try sandbox.store().snapshot().contexts
        for context in stored {
            #expect(replay.engine.context(of: context.subject) == context, "context of \(context.subject) differs")
        }
        return (stored.count, replay.eventsRead)
    }

    /// RFC 3339 as contextd writes it, with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return ISO8601DateFormatter().date(from: text) ?? fractional.date(from: text)
    }
}
