import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
import ContextdTestKit
#endif

/// `contextd test` on the real binary: the stock rules' tests, a deliberately failing test and
/// its diff, JUnit XML read back, coverage on a known rule set, and a mistake in a test file.
@Suite(.blocksAThread) struct TestCommandTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("contextd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func stockRuleTestsPassWithFullCoverage() throws {
        let result = try ContextdProcess.run(["test", "rules", "--coverage-min", "90"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("57 tests, 57 passed, 0 failed"))
        #expect(result.stdout.contains("coverage: 22 of 22 rule and policy items exercised (100.0%)"))
    }

    @Test func aFailingTestPrintsExpectedAgainstActualAndJUnitSaysSo() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = ContextdProcess.path("rules")
        let fixture = ContextdProcess.path("fixtures/fraud-paris-after-new-york.jsonl")
        try """
            rules: [\(rules)]
            tests:
              - name: fraud priority is checked too strictly
                events_file: \(fixture)
                expect:
                  - rule: location-mismatch-fraud
                    subject: cust-42
                    priority: {min: 99.5}
                    what: {contains: Lyon}
              - name: a task nobody expected
                events_file: \(fixture)
                expect: []
              - name: paris after new york
                events_file: \(fixture)
                expect:
                  - {rule: location-mismatch-fraud, subject: cust-42, evidence: [evt-fraud-01-a, evt-fraud-01-b]}
            """.write(to: directory.appendingPathComponent("strict.test.yaml"), atomically: true, encoding: .utf8)
        let junit = directory.appendingPathComponent("junit.xml").path
        let result = try ContextdProcess.run(["test", directory.path, "--junit", junit])
        #expect(result.status == 1)
        let out = result.stdout
        #expect(out.contains("FAIL \(directory.path)/strict.test.yaml:3: fraud priority is checked too strictly"), "\(out)")
        #expect(out.contains("closest: t-22620d1c55051b15 (rule location-mismatch-fraud, subject cust-42):"))
        #expect(out.contains("- priority: expected ≥ 99.5, got 96.7"))
        #expect(out.contains(#"- what: expected contains "Lyon", got "Possible card fraud: card used in Paris"#))
        #expect(out.contains("unexpected task t-22620d1c55051b15: rule location-mismatch-fraud, subject cust-42"))
        #expect(out.contains("PASS \(directory.path)/strict.test.yaml: paris after new york"))
        #expect(out.contains("3 tests, 1 passed, 2 failed"))

        let parsed = try JUnitSummary(contentsOf: URL(fileURLWithPath: junit))
        #expect(parsed.suites == ["\(directory.path)/strict.test.yaml"])
        #expect(parsed.cases == ["fraud priority is checked too strictly", "a task nobody expected", "paris after new york"])
        #expect(parsed.failures == ["fraud priority is checked too strictly", "a task nobody expected"])
    }

    @Test func coverageCountsRulesThatNeverFiredAndEnforcesTheMinimum() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            rules:
              - id: big-purchase
                on: [card.transaction]
                when: event.data.amount > 1000
                task: {assignee: "queue:review", where: phone, what: "big", why: "amount", priority: 50}
              - id: never-tested
                on: [account.balance]
                when: event.data.balance < 0
                task: {assignee: "{{ subject }}", where: push, what: "overdrawn", why: "balance", priority: 60}
            """.write(to: directory.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        try """
            tests:
              - name: only big purchases
                events:
                  - {type: card.transaction, subject: c1, time: "2026-11-20T10:00:00Z", data: {amount: 5000}}
                  - {type: card.transaction, subject: c1, time: "2026-11-20T11:00:00Z", data: {amount: 5}}
                expect:
                  - {rule: big-purchase, subject: c1, created_at: "2026-11-20T10:00:00Z", evidence: ["only big purchases#1"]}
            """.write(to: directory.appendingPathComponent("rules.test.yaml"), atomically: true, encoding: .utf8)
        let strict = try ContextdProcess.run(["test", directory.path, "--coverage-min", "60"])
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("1 tests, 1 passed, 0 failed"), "\(strict.stdout)")
        #expect(strict.stdout.contains("coverage: 3 of 6 rule and policy items exercised (50.0%)"))
        #expect(strict.stdout.contains("NOT COVERED rule 'never-tested' fired"))
        #expect(strict.stdout.contains("NOT COVERED rule 'never-tested' condition `event.data.balance < 0` true"))
        #expect(strict.stdout.contains("NOT COVERED rule 'never-tested' condition `event.data.balance < 0` false"))
        #expect(!strict.stdout.contains("NOT COVERED rule 'big-purchase'"))
        #expect(strict.stdout.contains("coverage 50.0% is under the minimum of 60.0%"))
        let lenient = try ContextdProcess.run(["test", directory.path, "--coverage-min", "50"])
        #expect(lenient.status == 0)
    }

    @Test func aMistakeInATestFileIsLocatedWithASuggestion() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "rules: [\(ContextdProcess.path("rules"))]\ntests:\n  - name: t\n    events: []\n    expcet: []\n".write(
            to: directory.appendingPathComponent("bad.test.yaml"), atomically: true, encoding: .utf8)
        let result = try ContextdProcess.run(["test", directory.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("bad.test.yaml:5:5: error: unknown field 'expcet' in a test; did you mean 'expect'?"),
            "\(result.stdout)")
    }
}

/// The parts of a JUnit XML report a CI system reads, parsed back with Foundation's XMLParser.
final class JUnitSummary: NSObject, XMLParserDelegate {
    var suites: [String] = []
    var cases: [String] = []
    var failures: [String] = []
    private var currentCase: String?

    init(contentsOf url: URL) throws {
        super.init()
        let parser = try #require(XMLParser(contentsOf: url))
        parser.delegate = self
        #expect(parser.parse(), "the JUnit file is not well-formed XML")
    }

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:])
    {
        switch element {
        case "testsuite": suites.append(attributes["name"] ?? "")
        case "testcase":
            currentCase = attributes["name"]
            cases.append(attributes["name"] ?? "")
        case "failure": if let currentCase { failures.append(currentCase) }
        default: break
        }
    }
}
