import ContextdTestKit
import Foundation
import Testing

/// `contextd replay` end to end: the real binary, the stock rules, the fixtures.
@Suite(.blocksAThread) struct ReplayCommandTests {
    @Test func printsTheParisTaskAsOneJSONLineWithEveryField() throws {
        let result = try ContextdProcess.run(["replay", "--rules", "rules", "fixtures/fraud-paris-after-new-york.jsonl"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.lines.count == 1)
        let task = try ContextdProcess.json(try #require(result.lines.first))
        for field in ["id", "rule", "subject", "assignee", "priority", "what", "where", "how", "why", "evidence",
            "created_at", "not_before", "expires_at", "deferred_by", "scores", "tags", "data"]
        {
            #expect(task.keys.contains(field), "missing \(field)")
        }
        #expect((task["id"] as? String)?.range(of: #"^t-[0-9a-f]{16}$"#, options: .regularExpression) != nil)
        #expect(task["rule"] as? String == "location-mismatch-fraud")
        #expect(task["assignee"] as? String == "queue:fraud")
        #expect(task["where"] as? String == "phone")
        #expect(task["evidence"] as? [String] == ["evt-fraud-01-a", "evt-fraud-01-b"])
        #expect(task["created_at"] as? String == "2026-11-22T10:40:00Z")
        #expect(task["expires_at"] as? String == "2026-11-22T12:40:00Z")
        #expect(task["what"] as? String
            == "Possible card fraud: card used in Paris 38 minutes after a check-in in New York")
        #expect(task["why"] as? String
            == "Checked in at New York 10:02Z; card used at Paris 10:40Z: 5,837 km in 38 min (9,216 km/h)")
        let priority = try #require(task["priority"] as? Double)
        #expect(priority >= 90 && priority <= 100)
        let risk = try #require((task["scores"] as? [String: Double])?["fraud_risk"])
        #expect(abs(priority - (90 + 10 * risk)) < 0.051)
        #expect(task["not_before"] is NSNull)
    }

    @Test func statsGoToStandardErrorAsJSON() throws {
        let result = try ContextdProcess.run(["replay", "--stats", "fixtures/mixed-day.jsonl"])
        #expect(result.status == 0)
        let statsLine = try #require(result.stderr.split(separator: "\n").last.map(String.init))
        let stats = try ContextdProcess.json(statsLine)
        #expect(stats["events"] as? Int == 36)
        #expect(stats["duplicates"] as? Int == 1)
        #expect(stats["rejected"] as? Int == 0)
        #expect(stats["tasks"] as? Int == result.lines.count)
        #expect(stats["seconds"] is Double)
        #expect(stats["events_per_second"] is Double || stats["events_per_second"] is Int)
    }

    @Test func readsStandardInput() throws {
        let events = try String(contentsOfFile: ContextdProcess.path("fixtures/fraud-paris-after-new-york.jsonl"),
            encoding: .utf8)
        let fromFile = try ContextdProcess.run(["replay", "fixtures/fraud-paris-after-new-york.jsonl"])
        let fromStdin = try ContextdProcess.run(["replay", "-"], stdin: events)
        #expect(fromStdin.status == 0)
        #expect(fromStdin.stdout == fromFile.stdout)
    }

    @Test func untilFiresTimersThatNoEventReaches() throws {
        let fixture = "fixtures/rent-timer-only.jsonl"
        let without = try ContextdProcess.run(["replay", fixture])
        #expect(without.lines.isEmpty)
        let expected = try ContextdProcess.json(try String(
            contentsOfFile: ContextdProcess.path("fixtures/expected/rent-timer-only.json"), encoding: .utf8))
        let until = try #require(expected["until"] as? String)
        let with = try ContextdProcess.run(["replay", "--until", until, fixture])
        #expect(with.lines.count == 1)
        let task = try ContextdProcess.json(try #require(with.lines.first))
        #expect(task["rule"] as? String == "low-balance-before-rent")
        #expect(task["created_at"] as? String == until)
    }

    @Test func badLinesAreRejectedWithTheirLineAndTheRestStillCounts() throws {
        let result = try ContextdProcess.run(["replay", "--stats", "Tests/ContextdCLITests/Fixtures/some-bad-lines.jsonl"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("some-bad-lines.jsonl:2: rejected: missing required attribute 'subject'"))
        #expect(result.stderr.contains("some-bad-lines.jsonl:3: rejected: invalid JSON"))
        #expect(result.stderr.contains("some-bad-lines.jsonl:5: rejected: attribute 'time' is not an RFC 3339 timestamp"))
        // The two good events still make the fraud task; the repeated one is a duplicate.
        #expect(result.lines.count == 1)
        let stats = try ContextdProcess.json(String(result.stderr.split(separator: "\n").last!))
        #expect(stats["rejected"] as? Int == 3)
        #expect(stats["duplicates"] as? Int == 1)
        #expect(stats["events"] as? Int == 3)
    }

    @Test func exitCodes() throws {
        #expect(try ContextdProcess.run(["replay", "--rules", "Tests/ContextdRulesTests/Fixtures/broken",
            "fixtures/mixed-day.jsonl"]).status == 78)
        #expect(try ContextdProcess.run(["replay", "--until", "tomorrow", "fixtures/mixed-day.jsonl"]).status == 2)
        #expect(try ContextdProcess.run(["replay", "fixtures/README.md"]).status == 2)
        #expect(try ContextdProcess.run(["replay"]).status == 2)
        #expect(try ContextdProcess.run(["frobnicate"]).status == 2)
    }
}
