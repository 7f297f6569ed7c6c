import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdRules
import ContextdStore
import ContextdTestKit
import Foundation
import Testing

/// Contexts and values keep every type through the store's text, and what the store tests share:
/// the stock rules and fixtures. (Restarting after every group of events gives the tasks of
/// replay, for every backend: ContextdStoreConformanceTests/EngineRestartTests.)
@Suite struct RestartTests {
    static func ruleSet() throws -> RuleSet {
        try RuleLoader.load(paths: [StockFiles.rules]).get()
    }

    /// The fixtures are replayed in file name order, not in time order: their dates go back
    /// and forth by more than the 7 days of default lateness, and these tests are about
    /// restarts, not late events.
    static let lateness = TimeSpan.days(3650)

    /// Every task the store holds, in any state: out of time order, some are created already
    /// expired (`expired` in the store, printed by replay like the rest).
    static func allTasks(in store: SQLiteStore) throws -> [StoredTask] {
        try TaskDelivery.allCases.flatMap { try store.tasks(in: $0) }
    }

    /// Every event of every fixture file, in file name order then file order.
    static func fixtureEvents() throws -> [Event] {
        var events: [Event] = []
        for path in try StockFiles.fixtures() {
            let reader = try #require(EventFileReader(path: path))
            try reader.forEach { if case .event(let event, _) = $0 { events.append(event) } }
        }
        return events
    }

    @Test func contextSurvivesTheRoundTripExactly() throws {
        let rules = try Self.ruleSet()
        let engine = Engine(ruleSet: rules)
        engine.recordsChanges = true
        for event in try Self.fixtureEvents() { engine.apply(event) }
        let changes = engine.takeChanges()
        #expect(!changes.contexts.isEmpty)
        for context in changes.contexts {
            #expect(try EntityContext(subject: context.subject, storedText: context.storedText) == context)
        }
    }

    @Test func taggedValuesKeepTheirTypes() throws {
        let value: Value = .object([
            "due": .timestamp(Timestamp(milliseconds: 1_700_000_000_000)), "gap": .duration(.days(3)),
            "$t": .number(5), "$$x": .string("y"), "list": .list([.null, .bool(true), .number(1.5)]),
        ])
        #expect(try PersistentValue.decode(PersistentValue.encode(value)) == value)
    }
}
