import ContextdEngine
import ContextdEvents
import Testing

/// Each context kind folds events the way docs/rules.md says.
@Suite struct ContextFoldTests {
    let engine: Engine

    init() throws {
        engine = Engine(ruleSet: try ReplayHarness.loadRules([RepositoryPaths.engineFixture("folds")]))
    }

    func value(_ name: String, _ subject: String = "u1", at time: String) throws -> Value {
        let declaration = try #require(engine.ruleSet.contexts.first { $0.name == name })
        let context = engine.context(of: subject) ?? EntityContext(subject: subject)
        return context.value(of: declaration, at: EventFactory.time(time))
    }

    @Test func latestKeepsTheLatestByEventTimeNotArrival() throws {
        engine.apply(EventFactory.event("account.balance", "u1", "10:00", ["balance": .number(100)]))
        engine.apply(EventFactory.event("account.balance", "u1", "09:00", ["balance": .number(5)]))
        #expect(try value("last_balance", at: "10:00")["value"] == .number(100))
        engine.apply(EventFactory.event("account.balance", "u1", "11:00", ["balance": .number(7)], id: "b3"))
        let latest = try value("last_balance", at: "11:00")
        #expect(latest["value"] == .number(7))
        #expect(latest["id"] == .string("b3"))
        #expect(latest["time"] == .timestamp(EventFactory.time("11:00")))
    }

    @Test func collectionAddsReplacesAndRemovesByKey() throws {
        engine.apply(EventFactory.event("payment.scheduled", "u1", "10:00", ["payment_id": "p1", "amount": .number(10)]))
        engine.apply(EventFactory.event("payment.scheduled", "u1", "10:01", ["payment_id": "p2", "amount": .number(20)]))
        engine.apply(EventFactory.event("payment.scheduled", "u1", "10:02", ["payment_id": "p1", "amount": .number(15)]))
        var items = try #require(try value("payments", at: "10:02").listValue)
        #expect(items.map { $0["key"] } == [.string("p2"), .string("p1")])
        #expect(items.map { $0["value"] } == [.number(20), .number(15)])
        engine.apply(EventFactory.event("payment.cancelled", "u1", "10:03", ["payment_id": "p2"]))
        engine.apply(EventFactory.event("payment.executed", "u1", "10:04", ["payment_id": "unknown"]))
        items = try #require(try value("payments", at: "10:04").listValue)
        #expect(items.map { $0["key"] } == [.string("p1")])
    }

    @Test func countAndSumUseAHalfOpenEventTimeWindow() throws {
        for (time, amount) in [("10:00", 50.0), ("10:30", 150.0), ("11:00", 200.0)] {
            engine.apply(EventFactory.event("card.transaction", "u1", time, ["amount": .number(amount)]))
        }
        // (now - 1h, now]: at 11:00 the 10:00 payment is exactly 1h old and out.
        #expect(try value("spend_1h", at: "11:00") == .number(350))
        #expect(try value("spend_1h", at: "10:59:59") == .number(200))
        #expect(try value("big_spend_1h", at: "11:00") == .number(2))
        #expect(try value("big_spend_1h", at: "11:31") == .number(1))
        #expect(try value("visits_1h", at: "11:00") == .number(0))
    }

    @Test func historyKeepsTheLastNInTimeOrder() throws {
        for (index, time) in ["10:00", "10:05", "10:02", "10:07"].enumerated() {
            engine.apply(EventFactory.event("page.view", "u1", time, ["page": .string("/p\(index)")]))
        }
        let pages = try #require(try value("recent_pages", at: "10:07").listValue).map { $0["value"] }
        #expect(pages == [.string("/p2"), .string("/p1"), .string("/p3")])
        #expect(try value("visits_1h", at: "10:07") == .number(4))
    }

    @Test func contextIsPerEntityAndDuplicatesAreSkipped() throws {
        let event = EventFactory.event("page.view", "u1", "10:00", ["page": "/a"], id: "same")
        engine.apply(event)
        engine.apply(event)
        engine.apply(EventFactory.event("page.view", "u2", "10:00", ["page": "/b"], id: "same", source: "other"))
        #expect(try value("visits_1h", "u1", at: "10:00") == .number(1))
        #expect(try value("visits_1h", "u2", at: "10:00") == .number(1))
        #expect(engine.statistics.duplicates == 1)
        #expect(engine.statistics.events == 2)
    }
}
