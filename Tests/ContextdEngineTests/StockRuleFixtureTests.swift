import ContextdEngine
import ContextdEvents
import ContextdReplay
import Foundation
import Testing

/// Each stock rule against its fixtures: `fixtures/<case>.jsonl` replayed through `rules/`
/// must produce exactly the tasks of `fixtures/expected/<case>.json`, field by field.
@Suite struct StockRuleFixtureTests {
    struct Expectation: Decodable {
        var `case`: String
        var description: String
        var until: String?
        var tasks: [ExpectedTask]
        var priority_order: [PriorityOrder]?
    }

    struct PriorityOrder: Decodable {
        var higher: String
        var lower: String
        var rule: String
    }

    struct ExpectedTask: Decodable, CustomStringConvertible {
        var rule: String
        var subject: String
        var assignee: String
        var `where`: String
        var created_at: String
        var evidence: [String]
        var not_before: String?
        var deferred_by: String?
        var priority_min: Double
        var priority_max: Double
        /// Numbers the fixture generator computed independently (distance_km, speed_kmh,
        /// projected, shortfall, visits_7d); the task's `data` must agree.
        var facts: [String: Double]?
        var description: String { "\(rule) \(subject) at \(created_at)" }
    }

    static let cases: [String] = {
        let directory = RepositoryPaths.fixtures.appendingPathComponent("expected")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }()

    static func expectation(_ name: String) throws -> Expectation {
        let url = RepositoryPaths.fixtures.appendingPathComponent("expected/\(name).json")
        return try JSONDecoder().decode(Expectation.self, from: Data(contentsOf: url))
    }

    @Test func everyFixtureHasAnExpectation() throws {
        #expect(Self.cases.count >= 20, "expected the fixture set of SPEC §6's boundaries")
        for name in Self.cases {
            #expect(FileManager.default.fileExists(atPath: RepositoryPaths.fixture("\(name).jsonl")), "\(name)")
        }
    }

    @Test(arguments: cases) func fixtureProducesExactlyTheExpectedTasks(_ name: String) throws {
        let expected = try Self.expectation(name)
        let rules = try ReplayHarness.loadRules()
        let until = try expected.until.map { try #require(Timestamp(rfc3339: $0)) }
        let replay = try ReplayHarness.replay([RepositoryPaths.fixture("\(name).jsonl")], rules: rules, until: until)
        #expect(replay.rejected.isEmpty, "fixture events must all be valid: \(replay.rejected)")
        #expect(replay.engine.faults.isEmpty, "no rule may fail at run time: \(replay.engine.faults)")
        let order: (TaskRecord, TaskRecord) -> Bool = { ($0.createdAt, $0.rule, $0.subject) < ($1.createdAt, $1.rule, $1.subject) }
        let actual = replay.tasks.sorted(by: order)
        let wanted = expected.tasks.sorted { ($0.created_at, $0.rule, $0.subject) < ($1.created_at, $1.rule, $1.subject) }
        try #require(actual.count == wanted.count,
            "\(name): expected \(wanted.count) tasks \(wanted), got \(actual.count): \(actual.map(\.json))")
        for (task, want) in zip(actual, wanted) {
            #expect(task.rule == want.rule, "\(name)")
            #expect(task.subject == want.subject, "\(name)")
            #expect(task.assignee == want.assignee, "\(name)")
            #expect(task.where == want.where, "\(name)")
            #expect(task.createdAt.rfc3339 == want.created_at, "\(name)")
            #expect(task.evidence == want.evidence, "\(name)")
            #expect(task.notBefore?.rfc3339 == want.not_before, "\(name)")
            #expect(task.deferredBy == want.deferred_by, "\(name)")
            #expect(task.priority >= want.priority_min && task.priority <= want.priority_max,
                "\(name): priority \(task.priority) outside [\(want.priority_min), \(want.priority_max)]")
            for (fact, value) in want.facts ?? [:] {
                let actual = try #require(task.data[fact]?.numberValue, "\(name): task data lacks \(fact)")
                #expect(abs(actual - value) <= 0.051, "\(name): \(fact) is \(actual), expected \(value)")
            }
        }
        for order in expected.priority_order ?? [] {
            let priority = { (subject: String) in actual.first { $0.subject == subject && $0.rule == order.rule }?.priority }
            let higher = try #require(priority(order.higher))
            let lower = try #require(priority(order.lower))
            #expect(higher > lower, "\(name): \(order.higher) (\(higher)) must rank above \(order.lower) (\(lower))")
        }
    }
}
