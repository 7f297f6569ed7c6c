import ContextdTestKit
import Foundation
import Testing

/// The daemon's central promise under the worst stop there is: SIGKILL at random moments
/// (mid-slice, mid-commit, mid-outbox-write), restarted each time. At the end every valid event
/// was applied exactly once and the outbox holds exactly the tasks `replay` produces, none twice.
@Suite(.serialized, .blocksAThread) struct CrashTests {
    @Test(arguments: SandboxBackend.all) func twentySigkillsLoseNothingAndDuplicateNothing(backend: SandboxBackend) throws {
        let sandbox = try DaemonSandbox(backend: backend, batchEvents: 4)
        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z"))
        let files = EventMix(customers: 1200, start: start, seed: 42).files(perFile: 8)
        let copies = try sandbox.dropKeepingCopies(files)

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
        let compared = try OutboxComparison.expectSameTasks(sandbox, files: copies)

        // Exactly once, seen from the state: the store's context equals one in-memory replay's
        // (an event applied twice would add a second point to the leads' visit-count window).
        let replay = try OutboxComparison.expectSameContexts(sandbox, files: copies)
        #expect(replay.contexts > 1200)
        print("crash test (\(backend)): \(kills) SIGKILLs (\(killsWithWorkLeft) with files waiting), \(files.count) files, "
            + "\(replay.events) events, \(compared) tasks compared")
    }
}
