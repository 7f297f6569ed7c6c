import ContextdEngine
import ContextdEvents
import ContextdReplay
import Foundation
import Testing

/// The stock rules' numbers live in YAML: editing one changes what replay produces, and the
/// same inputs always give the same task ids.
@Suite struct RuleEditTests {
    /// A copy of rules/ with one text replacement in one file.
    func editedRules(_ file: String, replacing old: String, with new: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: RepositoryPaths.rules, toPath: directory.path)
        let path = directory.appendingPathComponent(file).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(old), "the stock rule no longer says '\(old)'")
        try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
        return directory.path
    }

    @Test func loweringTheSpeedLimitTurnsANearMissIntoAFraudTask() throws {
        let fixture = RepositoryPaths.fixture("fraud-speed-just-under-900.jsonl")
        let stock = try ReplayHarness.replay([fixture], rules: try ReplayHarness.loadRules())
        #expect(stock.tasks.isEmpty)
        let edited = try editedRules("fraud.yaml", replacing: "kmh >= 900", with: "kmh >= 600")
        let replay = try ReplayHarness.replay([fixture], rules: try ReplayHarness.loadRules([edited]))
        #expect(replay.tasks.map(\.rule) == ["location-mismatch-fraud"])
    }

    @Test func raisingTheDistanceLimitSilencesTheParisExample() throws {
        let fixture = RepositoryPaths.fixture("fraud-paris-after-new-york.jsonl")
        #expect(try ReplayHarness.replay([fixture], rules: try ReplayHarness.loadRules()).tasks.count == 1)
        let edited = try editedRules("fraud.yaml", replacing: "km >= 500", with: "km >= 6000")
        #expect(try ReplayHarness.replay([fixture], rules: try ReplayHarness.loadRules([edited])).tasks.isEmpty)
    }

    @Test func changingTheDeferralChangesNotBefore() throws {
        let fixture = RepositoryPaths.fixture("defer-mobile-session.jsonl")
        let stock = try ReplayHarness.replay([fixture], rules: try ReplayHarness.loadRules())
        let edited = try editedRules("sessions.yaml", replacing: "duration(\"3h\")", with: "duration(\"5h\")")
        let later = try ReplayHarness.replay([fixture], rules: try ReplayHarness.loadRules([edited]))
        let task = try #require(stock.tasks.first)
        let laterTask = try #require(later.tasks.first)
        #expect(task.notBefore == task.createdAt + .hours(3))
        #expect(laterTask.notBefore == task.createdAt + .hours(5))
    }

    @Test func sameInputsGiveTheSameTaskIDs() throws {
        let fixture = RepositoryPaths.fixture("mixed-day.jsonl")
        let first = try ReplayHarness.replay([fixture], rules: try ReplayHarness.loadRules())
        let second = try ReplayHarness.replay([fixture], rules: try ReplayHarness.loadRules())
        #expect(!first.tasks.isEmpty)
        #expect(first.tasks.map(\.id) == second.tasks.map(\.id))
        #expect(Set(first.tasks.map(\.id)).count == first.tasks.count)
        #expect(first.tasks.map(\.json) == second.tasks.map(\.json))
    }
}
