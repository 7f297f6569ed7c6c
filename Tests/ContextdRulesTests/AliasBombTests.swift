import ContextdRules
import Foundation
import Testing

/// SPEC §8: what a YAML alias expands to is capped. A file past the cap is refused at the alias
/// that crossed it, before anything walks the expansion (which took 19 s and 3.5 GB).
@Suite struct AliasBombTests {
    static let bomb = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/alias-bomb.yaml").path

    @Test func theBombIsALocatedErrorAtTheAliasThatCrossesTheCap() throws {
        let diagnostics = try #require(RuleLoader.load(paths: [Self.bomb]).failure).diagnostics
        #expect(diagnostics.count == 1)
        let diagnostic = try #require(diagnostics.first)
        // Aliases up to line 9 add 74,718 nodes; the first `*e` on line 10 adds 66,430 more.
        #expect((diagnostic.line, diagnostic.column) == (10, 10))
        #expect(diagnostic.message.hasPrefix("alias '*e' expands to 66,430 nodes, taking this file's aliases past 100,000"))
        #expect(diagnostic.sourceLine == "  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]")
    }

    @Test func anchorsSharedWithinTheCapLoad() {
        let text = """
            lists:
              cities: &cities [Paris, London, Berlin]
              watched: *cities
            macros:
              near: event.data.amount > 1 && event.data.amount < 2
            """
        #expect(RuleLoader.load([RuleSource(path: "shared.yaml", text: text)]).failure == nil)
    }

    @Test func aRuleTestFileGoesThroughTheSameCap() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alias-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bomb = try String(contentsOfFile: Self.bomb, encoding: .utf8)
        let file = directory.appendingPathComponent("bomb.test.yaml")
        try bomb.replacingOccurrences(of: "lists:", with: "tests:").write(to: file, atomically: true, encoding: .utf8)
        let failure = try #require(RuleTestLoader.load(path: file.path).failure)
        #expect(failure.diagnostics.map { "\($0.line):\($0.column)" } == ["10:10"])
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
