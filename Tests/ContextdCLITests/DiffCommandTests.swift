import ContextdTestKit
import Foundation
import Testing

/// `contextd diff` on the real binary: the stock rules against a copy with one number edited,
/// checked against what `contextd replay` prints with each rule set.
///
/// `Fixtures/fraud-speeds.jsonl` holds eight Paris check-ins each followed by a card payment in
/// Rome (1,105 km) at 610, 700, 850, 899, 950, 2000, 550 and 400 km/h, one customer per speed
/// (`cust-speed-<km/h>`). `Fixtures/fraud-dedup-after-lower-threshold.jsonl`: a 700 km/h trip
/// to Rome, then a 2,210 km/h one back to Paris 30 minutes later, for the same customer.
@Suite(.blocksAThread) struct DiffCommandTests {
    static let speeds = "Tests/ContextdCLITests/Fixtures/fraud-speeds.jsonl"
    static let dedup = "Tests/ContextdCLITests/Fixtures/fraud-dedup-after-lower-threshold.jsonl"

    /// A copy of the stock rules in a temporary folder, with `replacements` applied to `file`
    /// (each must occur exactly once, so a reworded rule file fails here and not silently).
    static func editedRules(_ replacements: [(String, String)], in file: String = "fraud.yaml") throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("contextd-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let rules = directory.appendingPathComponent("rules")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: ContextdProcess.path("rules")), to: rules)
        let url = rules.appendingPathComponent(file)
        var text = try String(contentsOf: url, encoding: .utf8)
        for (old, new) in replacements {
            try #require(text.components(separatedBy: old).count == 2, "'\(old)' must occur once in \(file)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
        return rules
    }

    /// `contextd diff --rules rules --rules NEW …`: the stock rules against `new`.
    static func diff(_ new: String, _ arguments: [String]) throws -> ContextdProcess.Result {
        try ContextdProcess.run(["diff", "--rules", "rules", "--rules", new] + arguments)
    }

    static func taskIDs(rules: String, _ files: [String]) throws -> [String] {
        let result = try ContextdProcess.run(["replay", "--rules", rules] + files)
        try #require(result.status == 0, "\(result.stderr)")
        return try result.lines.map { try #require(ContextdProcess.json($0)["id"] as? String) }
    }

    static func rule(_ report: [String: Any], _ id: String) throws -> [String: Any] {
        let rules = try #require(report["rules"] as? [[String: Any]])
        return try #require(rules.first { $0["rule"] as? String == id }, "no entry for \(id)")
    }

    @Test func loweringTheFraudSpeedTo600ReportsExactlyTheExtraFraudTasks() throws {
        let new = try Self.editedRules([("kmh >= 900", "kmh >= 600")])
        defer { try? FileManager.default.removeItem(at: new.deletingLastPathComponent()) }
        let files = [
            Self.speeds, "fixtures/fraud-speed-just-under-900.jsonl", "fixtures/fraud-speed-just-over-900.jsonl",
        ]
        let oldIDs = try Self.taskIDs(rules: "rules", files)
        let newIDs = try Self.taskIDs(rules: new.path, files)
        let extra = newIDs.filter { !oldIDs.contains($0) }
        #expect(oldIDs.allSatisfy(newIDs.contains))
        #expect(extra.count == 5)  // 610, 700, 850, 899 km/h, and the fixture's just-under-900

        let json = try Self.diff(new.path, ["--format", "json"] + files)
        #expect(json.status == 1, "\(json.stderr)")
        let report = try ContextdProcess.json(json.stdout)
        #expect(report["appear"] as? Int == extra.count)
        #expect(report["disappear"] as? Int == 0)
        #expect(report["change"] as? Int == 0)
        let fraud = try Self.rule(report, "location-mismatch-fraud")
        #expect(fraud["old_tasks"] as? Int == oldIDs.count)
        #expect(fraud["new_tasks"] as? Int == newIDs.count)
        let appear = try #require(fraud["appear"] as? [String: Any])
        #expect(appear["count"] as? Int == extra.count)
        #expect(appear["ids"] as? [String] == extra)
        let subjects = try #require(appear["examples"] as? [[String: Any]]).compactMap { $0["subject"] as? String }
        #expect(subjects == ["cust-speed-610", "cust-speed-700", "cust-speed-850"])  // --examples defaults to 3
        for other in ["low-balance-before-rent", "hot-lead-follow-up"] {
            let entry = try Self.rule(report, other)
            #expect((entry["appear"] as? [String: Any])?["count"] as? Int == 0)
        }

        let text = try Self.diff(new.path, ["--examples", "10"] + files)
        #expect(text.status == 1)
        let marked = text.lines.filter { $0.hasPrefix("  + ") || $0.hasPrefix("  - ") || $0.hasPrefix("  ~ ") }
        #expect(marked.map { String($0.dropFirst(4).prefix(18)) } == extra)
        let row = #"^location-mismatch-fraud +\#(oldIDs.count) +\#(newIDs.count) +5 +0 +0$"#
        let rows = text.lines.filter { $0.range(of: row, options: .regularExpression) != nil }
        #expect(rows.count == 1, "\(text.stdout)")
        #expect(text.lines.contains("location-mismatch-fraud: 5 tasks appear"))
        #expect(text.lines.last == "5 tasks appear, none disappear, none change.")
    }

    @Test func theSameRulesMakeNoDifferenceAndExitZero() throws {
        let copy = try Self.editedRules([])
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        let result = try Self.diff(copy.path, ["fixtures/mixed-day.jsonl"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.lines.last == "no differences: both rule sets make the same 5 tasks.")
        let json = try Self.diff(copy.path, ["--format", "json", "fixtures/mixed-day.jsonl"])
        #expect(json.status == 0)
        #expect(try ContextdProcess.json(json.stdout)["differences"] as? Bool == false)
    }

    @Test func aNewPriorityAndExpiryShowAsChangesFromOldToNew() throws {
        let new = try Self.editedRules([("priority: 90 + 10 * score.fraud_risk", "priority: 92 + 8 * score.fraud_risk"),
            ("expires: 2h", "expires: 3h")])
        defer { try? FileManager.default.removeItem(at: new.deletingLastPathComponent()) }
        let result = try Self.diff(new.path, [Self.speeds])
        #expect(result.status == 1)
        #expect(result.lines.last == "none appear, none disappear, 2 tasks change.")
        let change = try #require(result.lines.firstIndex { $0.contains("~ ") && $0.contains("cust-speed-950") })
        let priority = result.lines[change + 1]
        let pattern = #"^      priority: 90\.\d → 92\.\d$"#
        #expect(priority.range(of: pattern, options: .regularExpression) != nil, "\(priority)")
        #expect(result.lines[change + 2] == "      expires_at: 2026-11-24T10:09:48Z → 2026-11-24T11:09:48Z")

        let json = try Self.diff(new.path, ["--format", "json", Self.speeds])
        let fraud = try Self.rule(try ContextdProcess.json(json.stdout), "location-mismatch-fraud")
        let changes = try #require((fraud["change"] as? [String: Any])?["examples"] as? [[String: Any]])
        let fields = try #require(changes.first?["fields"] as? [String: [String: Any]])
        #expect(Set(fields.keys) == ["priority", "expires_at"])
        #expect(fields["expires_at"]?["old"] as? String == "2026-11-24T10:09:48Z")
    }

    /// Lowering the threshold makes an earlier alert that the rule's 24 h dedup then uses up:
    /// the later, faster trip's task disappears. This is what a change review must show.
    @Test func aLowerThresholdCanHideALaterTaskThroughTheRulesDedup() throws {
        let new = try Self.editedRules([("kmh >= 900", "kmh >= 600")])
        defer { try? FileManager.default.removeItem(at: new.deletingLastPathComponent()) }
        let result = try Self.diff(new.path, ["--format", "json", Self.dedup])
        #expect(result.status == 1)
        let fraud = try Self.rule(try ContextdProcess.json(result.stdout), "location-mismatch-fraud")
        let appear = try #require(fraud["appear"] as? [String: Any])
        let disappear = try #require(fraud["disappear"] as? [String: Any])
        #expect(appear["count"] as? Int == 1)
        #expect(disappear["count"] as? Int == 1)
        let gone = try #require((disappear["examples"] as? [[String: Any]])?.first)
        #expect(gone["evidence"] as? [String] == ["evt-dedup-b", "evt-dedup-c"])
        #expect(try Self.taskIDs(rules: "rules", [Self.dedup]) == disappear["ids"] as? [String])
    }

    @Test func examplesAreLimitedAndTheRestCounted() throws {
        let new = try Self.editedRules([("kmh >= 900", "kmh >= 600")])
        defer { try? FileManager.default.removeItem(at: new.deletingLastPathComponent()) }
        let result = try Self.diff(new.path, ["--examples", "1", Self.speeds])
        #expect(result.lines.filter { $0.hasPrefix("  + ") }.count == 1)
        #expect(result.lines.contains("  … and 3 more (--examples N shows more)"))
    }

    @Test(arguments: [
        ["diff", "--rules", "rules", "fixtures/mixed-day.jsonl"],
        ["diff", "--rules", "rules", "--rules", "rules", "--rules", "rules", "fixtures/mixed-day.jsonl"],
        ["diff", "--rules", "rules", "--rules", "rules"],
        ["diff", "--rules", "rules", "--rules", "rules", "--format", "yaml", "fixtures/mixed-day.jsonl"],
        ["diff", "--rules", "rules", "--rules", "rules", "--until", "tomorrow", "fixtures/mixed-day.jsonl"],
        ["diff", "--rules", "rules", "--rules", "rules", "fixtures/no-such-file.jsonl"],
    ])
    func usageErrorsExitTwo(arguments: [String]) throws {
        let result = try ContextdProcess.run(arguments)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func aRuleSetThatDoesNotLoadExits78WithItsLocatedErrors() throws {
        let broken = "Tests/ContextdRulesTests/Fixtures/broken"
        let result = try Self.diff(broken, ["fixtures/mixed-day.jsonl"])
        #expect(result.status == 78)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("error: the new rules (\(broken)) do not load: 16 errors"))
        #expect(result.stderr.contains("\(broken)/a-context.yaml:9:14: error: unknown type 'numbr'"))
        #expect(!result.stderr.contains("the old rules"))
    }
}
