import ContextdTestKit
import Foundation
import Testing

/// Decision 0012 as `replay` shows it: a task deferred past its expiry is no task, counted as
/// suppressed, and `--explain` and `--funnel` name the defer policy and the reason.
@Suite(.blocksAThread) struct DeferPastExpiryCommandTests {
    static let folder = "Tests/ContextdEngineTests/Fixtures/defer-past-expiry"

    @Test func replayStopsTheTaskAndSaysWhy() throws {
        let result = try ContextdProcess.run(["replay", "--rules", Self.folder, "--stats", "--funnel", "--explain",
            Self.folder + "/orders.jsonl"])
        #expect(result.status == 0, "\(result.stderr)")
        // Only the phone order (not deferred) is a task; the email order's task is stopped.
        let tasks = result.lines.filter { $0.hasPrefix("{\"id\"") }
        #expect(tasks.count == 1 && tasks.first?.contains("\"subject\":\"c2\"") == true, "\(result.stdout)")
        for line in [
            "no task · rule order-follow-up · subject c1 · stopped by wait-for-office",
            "wait-for-office (defer): not delivered: deferred past its expiry (not_before 2026-11-22T12:00:00Z is "
                + "not before expires_at 2026-11-22T11:00:00Z)",
            "1 stopped by: wait-for-office",
        ] {
            #expect(result.stderr.contains(line), "missing: \(line)\n\(result.stderr)")
        }
        let stats = try ContextdProcess.json(try #require(result.stderr.split(separator: "\n").last.map(String.init)))
        #expect(stats["suppressed"] as? Int == 1 && stats["tasks"] as? Int == 1, "\(stats)")
    }
}
