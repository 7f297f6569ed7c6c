import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdRules
import ContextdStore
import Foundation
import Testing

/// The daemon's central promise under the worst stop there is: SIGKILL at random moments
/// (mid-slice, mid-commit, mid-outbox-write), restarted each time. At the end every valid event
/// was applied exactly once and the outbox holds exactly the tasks `replay` produces, none twice.
@Suite(.serialized) struct CrashTests {
    @Test func twentySigkillsLoseNothingAndDuplicateNothing() throws {
        let sandbox = try DaemonSandbox(batchEvents: 4)
        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z"))
        let files = EventMix(customers: 1200, start: start, seed: 42).files(perFile: 8)
        let input = sandbox.directory.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for file in files {
            try file.text.write(to: input.appendingPathComponent(file.name), atomically: true, encoding: .utf8)
            try sandbox.drop(file.name, file.text)
        }

        var random = SplitMix(state: 2026)
        var kills = 0
        var killsWithWorkLeft = 0
        while kills < 24 {
            try sandbox.start()
            Thread.sleep(forTimeInterval: 0.08 + Double(random.next() % 300) / 1000)
            if !sandbox.isDrained { killsWithWorkLeft += 1 }
            let status = try sandbox.stop(signal: SIGKILL)
            #expect(status == SIGKILL)
            kills += 1
        }
        try sandbox.start()
        try sandbox.waitUntilDrained(timeout: 300)
        #expect(try sandbox.stop() == 0)

        #expect(killsWithWorkLeft >= 20, "only \(killsWithWorkLeft) kills landed while files were waiting")
        #expect(sandbox.names(in: "new").isEmpty && sandbox.names(in: "cur").isEmpty)
        #expect(sandbox.names(in: "done").count == files.count)
        let compared = try OutboxComparison.expectSameTasks(
            sandbox, files: files.map { input.appendingPathComponent($0.name).path })

        // Exactly once, seen from the state: the store's context equals one in-memory replay's
        // (an event applied twice would add a second point to the leads' visit-count window).
        let store = try sandbox.store()
        let snapshot = try store.snapshot()
        let replay = Replay(ruleSet: try RuleLoader.load(paths: [sandbox.rules.path]).get())
        for file in files {
            replay.apply(file: try #require(EventFileReader(path: input.appendingPathComponent(file.name).path)))
        }
        #expect(snapshot.contexts.count > 1200)
        for context in snapshot.contexts {
            #expect(replay.engine.context(of: context.subject) == context, "context of \(context.subject) differs")
        }
        print("crash test: \(kills) SIGKILLs (\(killsWithWorkLeft) with files waiting), \(files.count) files, "
            + "\(replay.eventsRead) events, \(compared) tasks compared")
    }
}
