import ContextdTestKit
import Foundation
import Testing

/// `contextd replay --explain`, `--funnel` and the per-rule `--stats`: the real binary, the stock
/// rules, the fixtures.
@Suite(.blocksAThread) struct ExplainCommandTests {
    static let paris = "fixtures/fraud-paris-after-new-york.jsonl"

    @Test func explainTracesTheFraudTaskOnStandardErrorAndLeavesStandardOutputAlone() throws {
        let plain = try ContextdProcess.run(["replay", Self.paris])
        let explained = try ContextdProcess.run(["replay", "--explain", Self.paris])
        #expect(explained.status == 0)
        #expect(explained.stdout == plain.stdout)
        let task = try ContextdProcess.json(try #require(plain.lines.first))
        let trace = explained.stderr
        for line in [
            "task \(task["id"] as? String ?? "?") · rule location-mismatch-fraud · subject cust-42",
            "trigger   event evt-fraud-01-b (card.transaction from cards) at 2026-11-22T10:40:00Z",
            "true   previous != null", "true   km >= 500", "true   kmh >= 900",
            #"let       previous = {"id": "evt-fraud-01-a", "time": 2026-11-22T10:02:00Z, "type": "location.checkin""#,
            "km = 5837.249", "kmh = 9216.7089", "gap = 38m",
            "score     fraud_risk = 0.668 (logistic",
            "+3.2258   speed_thousand_kmh = 9.2167", "+0.8897   log_amount = 4.4485",
            "+0.5837   distance_thousand_km = 5.8372",
            "defer-on-mobile (defer): does not apply (applies_to is not true)",
            #"dedup (the rule's dedup): first task for key "cust-42" within 1d"#,
            "evidence  evt-fraud-01-a, evt-fraud-01-b",
        ] {
            #expect(trace.contains(line), "missing: \(line)\n\(trace)")
        }
    }

    @Test func theJSONFormGoesToAFileWithTheValuesToolsNeed() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("explain-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try ContextdProcess.run(["replay", "--explain", "--explain-format", "json", "--explain-file",
            file.path, Self.paris])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let trace = try ContextdProcess.json(String(try #require(lines.first)))
        #expect(trace["explain"] as? String == "task")
        let task = try #require(trace["task"] as? [String: Any])
        #expect(task["id"] as? String == (try ContextdProcess.json(result.lines[0]))["id"] as? String)
        let evaluation = try #require(trace["evaluation"] as? [String: Any])
        #expect((evaluation["trigger"] as? [String: Any])?["event"] as? String == "evt-fraud-01-b")
        let lets = try #require(evaluation["let"] as? [[String: Any]])
        let values = Dictionary(uniqueKeysWithValues: lets.map { ($0["name"] as? String ?? "", $0["value"]) })
        #expect(((values["previous"] ?? nil) as? [String: Any])?["id"] as? String == "evt-fraud-01-a")
        #expect(abs(((values["km"] ?? nil) as? Double ?? 0) - 5837.249) < 0.001)
        #expect(abs(((values["kmh"] ?? nil) as? Double ?? 0) - 9216.709) < 0.001)
        let conditions = try #require(evaluation["conditions"] as? [[String: Any]])
        #expect(conditions.map { $0["value"] as? Bool } == [true, true, true, true])
        let risk = try #require((evaluation["scores"] as? [String: Any])?["fraud_risk"] as? [String: Any])
        let contributions = try #require(risk["contributions"] as? [[String: Any]])
        #expect(contributions.map { $0["feature"] as? String }
            == ["speed_thousand_kmh", "log_amount", "distance_thousand_km", "card_not_present"])
        let policies = try #require(trace["policies"] as? [[String: Any]])
        #expect(policies.map { $0["effect"] as? String }
            == ["exempt", "not_applicable", "not_applicable", "first_for_key"])
        #expect(policies.first?["party"] as? String == "queue:fraud")
        #expect(policies.first?["exempt_priority"] as? Double == 90)
    }

    @Test func theFunnelShowsTheConditionThatHeldARuleBack() throws {
        let result = try ContextdProcess.run(["replay", "--funnel", "fixtures/fraud-speed-just-under-900.jsonl"])
        #expect(result.status == 0)
        #expect(result.lines.isEmpty)
        for line in [
            "no task · rule location-mismatch-fraud · subject cust-1004 · held back: kmh >= 900 is false",
            "true   km >= 500", "false  kmh >= 900", "kmh = 899.4155",
            "no task · event evt-fraud-04-a · subject cust-1004 · no rule runs on location.checkin",
            "location-mismatch-fraud: 1 evaluated, 0 matched, 0 stopped, 0 tasks", "1 held back by: kmh >= 900",
        ] {
            #expect(result.stderr.contains(line), "missing: \(line)\n\(result.stderr)")
        }
    }

    @Test func theFunnelShowsTheDedupThatStoppedASecondFraudWithin24Hours() throws {
        let result = try ContextdProcess.run(["replay", "--funnel", "fixtures/fraud-once-per-24h.jsonl"])
        #expect(result.lines.count == 2)
        for line in [
            "no task · rule location-mismatch-fraud · subject cust-1012 · stopped by dedup",
            "trigger   event evt-fraud-12-c (card.transaction from cards) at 2026-11-24T02:00:00Z",
            #"dedup (the rule's dedup): deduplicated: a task with key "cust-1012" was emitted at "#
                + "2026-11-23T20:40:00Z, within 1d",
            "location-mismatch-fraud: 3 evaluated, 3 matched, 1 stopped, 2 tasks", "1 stopped by: dedup",
        ] {
            #expect(result.stderr.contains(line), "missing: \(line)\n\(result.stderr)")
        }
        // Without --explain, the emitted tasks are not traced.
        #expect(!result.stderr.contains("task t-"))
    }

    @Test func theJSONFunnelGivesEachStoppedCandidateAndTheCountsPerRule() throws {
        let result = try ContextdProcess.run(["replay", "--funnel", "--explain-format", "json",
            "fixtures/fraud-once-per-24h.jsonl"])
        let records = try result.stderr.split(separator: "\n").map { try ContextdProcess.json(String($0)) }
        let stopped = try #require(records.first { $0["explain"] as? String == "no_task" })
        #expect(stopped["outcome"] as? String == "suppressed")
        #expect(stopped["stopped_by"] as? String == "dedup")
        let dedup = try #require((stopped["policies"] as? [[String: Any]])?.last)
        #expect(dedup["effect"] as? String == "deduplicated")
        #expect(dedup["previous"] as? String == "2026-11-23T20:40:00Z")
        #expect(dedup["window"] as? String == "1d")
        let funnel = try #require(records.last)
        #expect(funnel["explain"] as? String == "funnel")
        let rule = try #require((funnel["rules"] as? [[String: Any]])?.first)
        #expect(rule["evaluations"] as? Int == 3)
        #expect(rule["stopped"] as? [String: Int] == ["dedup": 1])
        #expect(rule["tasks"] as? Int == 2)
        #expect(records.filter { $0["explain"] as? String == "no_evaluation" }.count == 2)
    }

    @Test func anEarlyReleaseIsInTheTaskTrace() throws {
        let result = try ContextdProcess.run(["replay", "--explain", "fixtures/defer-released-by-desktop.jsonl"])
        #expect(result.stderr.contains("defer-on-mobile (defer): deferred until 2026-11-18T13:00:00Z"))
        #expect(result.stderr.contains("released  early by event evt-defer-07-c (session.started from crm), policy "
            + "defer-on-mobile: not_before 2026-11-18T13:00:00Z → 2026-11-18T11:00:00Z"))
    }

    @Test func statsGiveTheFiguresOfEveryRuleOnAKnownDay() throws {
        let result = try ContextdProcess.run(["replay", "--stats", "fixtures/mixed-day.jsonl"])
        #expect(result.status == 0)
        let stats = try ContextdProcess.json(try #require(result.stderr.split(separator: "\n").last.map(String.init)))
        let rules = try #require(stats["rules"] as? [String: [String: Any]])
        #expect(rules.keys.sorted() == ["hot-lead-follow-up", "location-mismatch-fraud", "low-balance-before-rent"])
        let expected: [String: [String: Int]] = [
            "location-mismatch-fraud": ["evaluations": 5, "matches": 2, "tasks": 1, "suppressed": 1, "errors": 0],
            "hot-lead-follow-up": ["evaluations": 7, "matches": 3, "tasks": 2, "suppressed": 1, "errors": 0],
            "low-balance-before-rent": ["evaluations": 11, "matches": 3, "tasks": 2, "suppressed": 1, "errors": 0],
        ]
        for (rule, figures) in expected {
            for (name, value) in figures { #expect(rules[rule]?[name] as? Int == value, "\(rule) \(name)") }
            let seconds = try #require(rules[rule]?["seconds"] as? Double, "\(rule) seconds")
            #expect(seconds > 0 && seconds < 10)
        }
        let tasks = rules.values.reduce(0) { $0 + ($1["tasks"] as? Int ?? 0) }
        #expect(tasks == result.lines.count)
    }

    @Test func badExplainOptionsAreUsageErrors() throws {
        #expect(try ContextdProcess.run(["replay", "--explain", "--explain-format", "xml", Self.paris]).status == 2)
        #expect(try ContextdProcess.run(["replay", "--explain-file", "/tmp/explain.txt", Self.paris]).status == 2)
    }
}
