import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdStore
import ContextdTestSupport
import Foundation
import Testing

/// The console's Rules page over real rule files: each rule with its counters and YAML lines,
/// the last reload's errors at the top and at their lines, a broken file still listed.
@Suite struct ConsoleRulesPageTests {
    static let reader = "s3cret-read-0123456789abc"
    static let tokens = [AccessToken(name: "viewer", secret: reader, assignees: [""], access: .read)]

    static let good = """
        # Fraud rules
        rules:
          - id: location-mismatch
            description: Two cities too far apart
            on: [card.transaction]
            when: event.data.amount > 100

          # the second one
          - id: big-spend
            on: [card.transaction]
            when: event.data.amount > 10000
        policies: []
        """

    static let broken = """
        rules:
          - id: churn-risk
            whn: context.calls > 3
            on: [call.ended]
        """

    @Test func eachRuleShowsItsCountersAndLinesAndABrokenFileShowsItsErrorAtItsLine() async throws {
        var harness = try APIHarness(tokens: Self.tokens)
        let rules = harness.directory + "/rules"
        try FileManager.default.createDirectory(atPath: rules + "/team", withIntermediateDirectories: true)
        try Self.good.write(toFile: rules + "/fraud.yaml", atomically: true, encoding: .utf8)
        try Self.broken.write(toFile: rules + "/team/churn.yaml", atomically: true, encoding: .utf8)
        try "rules: []\n".write(toFile: rules + "/fraud.test.yaml", atomically: true, encoding: .utf8)
        harness.ruleFiles = RuleFilesSource(paths: [rules])
        let fraud = rules + "/fraud.yaml", churn = rules + "/team/churn.yaml"
        var report = ConsolePageTests.report()
        report.rules = .init(count: 2, lastReload: .init(at: "2026-11-23T08:30:00Z", ok: false, errors: [
            .init(file: churn, line: 3, column: 5, message: "unknown field 'whn' in rule 'churn-risk' — did you mean 'when'?"),
            .init(file: rules + "/gone.yaml", line: 1, column: 1, message: "no such file or directory"),
        ]), rules: [
            .init(id: "location-mismatch", description: "Two cities too far apart", file: fraud, evaluations: 1200,
                matches: 31, tasks: 29, suppressed: ["dedup": 2], errors: 1,
                lastError: .init(message: "division by zero", event: "evt-7", at: "2026-11-23T08:40:00Z")),
            .init(id: "big-spend", description: nil, file: fraud, evaluations: 1200, matches: 0, tasks: 0,
                suppressed: [:], errors: 0, lastError: nil),
        ])
        let probe = OperationsProbe(notReadyReasons: { [] }, metrics: { "" }, status: { [report] in report })
        try await harness.withServer(probe: probe) { port in
            let viewer = try await ConsoleBrowser.signedIn(port: port, secret: Self.reader)
            let page = try await viewer.get("/rules")
            #expect(page.status == 200)
            let text = page.text
            // Files in the loader's order (the test file is not a rule file), then the missing one.
            let files = text.matches(of: #/<h3 id="file-(\d)"><code>([^<]+)</code>/#).map { String($0.2) }
            #expect(files == [fraud, churn, rules + "/gone.yaml"])
            // At the top: each error with file:line:col, linked to its line.
            #expect(text.contains(##"<li><a href="#f1-L3">"## + churn + ":3:5</a>: unknown field &#39;whn&#39; in rule "
                + "&#39;churn-risk&#39; — did you mean &#39;when&#39;?</li>"))
            #expect(text.contains("<li>" + rules + "/gone.yaml:1:1: no such file or directory</li>"))
            #expect(text.contains("failed, 2 errors; the 2 rules loaded before stay in force"))
            // In the broken file's listing: the line marked, the message under it; the file open.
            #expect(text.contains(#"<div class="line error" id="f1-L3"><span class="n">3</span><code>    whn: context.calls &gt; 3</code></div>"#
                + #"<div class="message" role="note">↑ line 3, column 5: unknown field &#39;whn&#39;"#))
            #expect(text.contains(#"<div class="line" id="f1-L2"><span class="n">2</span><code>  - id: churn-risk</code></div>"#))
            #expect(text.contains(#"<h3 id="file-1"><code>"# + churn + #"</code><span class="problem"> · 1 error</span></h3><details open="">"#))
            #expect(text.contains(#"<h3 id="file-0"><code>"# + fraud + "</code></h3><details><summary>12 lines, rules location-mismatch, big-spend</summary>"))
            // A rule: counters, last error, and its own lines (without the comment before the next).
            let rule = try #require(text.firstMatch(of: #/<article class="rule" id="rule-location-mismatch">.*?</article>/#.dotMatchesNewlines()))
            let ruleText = String(rule.0)
            #expect(ruleText.contains(##"<a href="#f0-L3">"## + fraud + ":3</a>"))
            for (label, value) in [("Evaluations", "1200"), ("Matches", "31"), ("Tasks", "29"), ("Suppressed", "dedup: 2"), ("Errors", "1")] {
                #expect(ruleText.contains("<dt>\(label)</dt><dd>\(value)</dd>"), "\(label)")
            }
            #expect(ruleText.contains("Last error (2026-11-23T08:40:00Z, event evt-7): division by zero"))
            #expect(ruleText.contains("<summary>YAML (lines 3–6)</summary>"))
            let numbers = ruleText.matches(of: #/<span class="n">(\d+)</span>/#).map { Int($0.1)! }
            #expect(numbers == [3, 4, 5, 6])
            #expect(text.contains(#"<summary>YAML (lines 9–11)</summary>"#), "big-spend, up to the next top-level key")
        }
    }
}
