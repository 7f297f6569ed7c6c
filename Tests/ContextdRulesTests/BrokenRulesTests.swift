import ContextdEngine
import ContextdRules
import Foundation
import Testing

/// A folder of rule files with deliberate mistakes: every mistake is reported, at its file,
/// line and column, with the message (and suggestion) of `expected-errors.txt`.
@Suite struct BrokenRulesTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/broken")

    struct Expected: CustomStringConvertible {
        var file: String
        var line: Int
        var column: Int
        var message: String
        var description: String { "\(file):\(line):\(column) \(message)" }
    }

    static func expectedErrors() throws -> [Expected] {
        let text = try String(contentsOf: folder.appendingPathComponent("expected-errors.txt"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let halves = line.split(separator: " | ", maxSplits: 1).map(String.init)
            let place = halves[0].split(separator: ":").map(String.init)
            return Expected(file: place[0], line: Int(place[1])!, column: Int(place[2])!, message: halves[1])
        }
    }

    func diagnostics() throws -> [Diagnostic] {
        guard case .failure(let failure) = RuleLoader.load(paths: [Self.folder.path]) else {
            Issue.record("the broken rules loaded without errors")
            return []
        }
        return failure.diagnostics
    }

    @Test func everyMistakeIsReportedWhereItIs() throws {
        let expected = try Self.expectedErrors()
        let actual = try diagnostics()
        #expect(expected.count >= 12)
        for want in expected {
            let match = actual.first {
                $0.file.hasSuffix("/" + want.file) && $0.line == want.line && $0.column == want.column
                    && $0.message.contains(want.message)
            }
            #expect(match != nil, "missing: \(want)\nactual:\n\(actual.map(\.description).joined(separator: "\n"))")
        }
        #expect(actual.count == expected.count, "one diagnostic per mistake, no cascades")
    }

    @Test func diagnosticsQuoteTheLineWithACaretUnderTheMistake() throws {
        let typo = try #require(try diagnostics().first { $0.message.contains("distnce_km") })
        let lines = typo.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasSuffix("b-rules.yaml:15:11: error: 'when' of rule 'far-away': unknown function 'distnce_km'; did you mean 'distance_km'?"))
        #expect(lines[1] == "    when: distnce_km(event.data.lat, event.data.lon, 0, 0) > 500 && event.time > 5")
        #expect(lines[2] == "          ^~~~~~~~~~")
    }

    @Test func theStockRulesAreValid() throws {
        let rules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("rules").path
        let result = RuleLoader.load(paths: [rules])
        if case .failure(let failure) = result { Issue.record("\(failure)") }
        let ruleSet = try result.get()
        #expect(Set(ruleSet.rules.map(\.id)) == ["location-mismatch-fraud", "low-balance-before-rent", "hot-lead-follow-up"])
        #expect(ruleSet.policies.map(\.id) == ["contact-cap", "cool-down-after-rejected-lead", "defer-on-mobile"])
    }
}
