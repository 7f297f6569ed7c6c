import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Testing

/// One rule set at a time (decision 0018 §4) in PostgreSQL: rule sets kept by fingerprint, the
/// rules in force at each position, and the change appended to the log once, by the heartbeat
/// that sees every live node run the new rules.
@Suite(.postgres, .blocksAThread) struct PostgresRuleSwitchTests {
    typealias F = PostgresFixtures
    typealias C = PostgresClusterFixtures

    @Test func aRuleSetIsKeptOnceByItsFingerprint() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let files = [RuleFileText(name: "fraud.yaml", text: "rules: []\n"), RuleFileText(name: "sub/é.yaml", text: "x: 'ü'\n")]
            try store.storeRuleSet("aaa111", files: files)
            try store.storeRuleSet("aaa111", files: [RuleFileText(name: "other.yaml", text: "")])
            #expect(try store.ruleSetFiles("aaa111") == files, "the first files kept under a fingerprint stay")
            #expect(try store.ruleSetFiles("bbb222") == nil)
        }
    }

    @Test func theRulesChangeAtOnePositionWhenEveryLiveNodeRunsThem() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let one = try C.join(store, "n1", lease: .seconds(60))
            let two = try C.join(store, "n2", lease: .seconds(60))
            #expect(try store.rulesInForce(after: 0) == "rules-1", "the cluster's first rules, from its creation")
            let record = LoggedFile(node: "n1", spool: "events", name: "a.jsonl", digest: "d1")
            _ = try store.append(record, events: [PostgresEventLogTests.logged("e1"), PostgresEventLogTests.logged("e2", at: F.nine + .minutes(1))])

            // n1 runs other rules, n2 not yet: nothing changes.
            _ = try store.heartbeat(one, drained: true, position: 0, nextDeadline: nil, fingerprint: "rules-2")
            #expect(try store.heartbeat(two, drained: true, position: 0, nextDeadline: nil, fingerprint: "rules-1").fingerprint
                == "rules-1")
            #expect(try store.head() == 2)

            // n2 follows: its heartbeat switches the cluster at position 3, once.
            let view = try store.heartbeat(two, drained: true, position: 0, nextDeadline: nil, fingerprint: "rules-2")
            #expect(view.fingerprint == "rules-2")
            #expect(view.head == 3)
            let entry = try #require(try store.entries(after: 2, limit: 10).first)
            #expect(entry.kind == .rules && entry.body == "rules-2" && entry.partition == nil && entry.source == nil)
            #expect(entry.clockAfter == F.nine + .minutes(1), "a change of rules is no step in time")
            #expect(try store.headClock() == F.nine + .minutes(1))
            _ = try store.heartbeat(one, drained: true, position: 0, nextDeadline: nil, fingerprint: "rules-2")
            _ = try store.heartbeat(two, drained: true, position: 0, nextDeadline: nil, fingerprint: "rules-2")
            #expect(try store.head() == 3, "appended once")

            // The rules in force after each position; a node's own slice of the log carries the
            // entry's fingerprint whatever partitions it holds.
            #expect(try store.rulesInForce(after: 2) == "rules-1")
            #expect(try store.rulesInForce(after: 3) == "rules-2")
            #expect(try store.rulesInForce(after: 40) == "rules-2")
            #expect(try store.entries(after: 2, limit: 10, bodiesOf: [5], count: 64).first?.body == "rules-2")
            #expect(try await database.column("SELECT from_pos || ' ' || fingerprint FROM cluster_rules ORDER BY from_pos")
                == ["0 rules-1", "3 rules-2"])
        }
    }
}
