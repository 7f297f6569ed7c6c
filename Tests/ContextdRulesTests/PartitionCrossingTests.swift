import ContextdEngine
import ContextdRules
import Foundation
import Testing

/// Which stock policies cross partitions (decision 0018 §3): the deferral that another
/// entity's session releases, and the contact cap counted per assignee; the rules of fraud,
/// rent and leads alone have none.
@Suite struct PartitionCrossingTests {
    static let stock = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("rules")

    @Test func theStockRulesCrossPartitionsInTwoPolicies() throws {
        let ruleSet = try RuleLoader.load(paths: [Self.stock.path]).get()
        let crossings = PartitionCrossing.of(ruleSet)
        #expect(crossings.count == 2, "\(crossings)")
        #expect(Set(crossings.map(\.policy)) == ["defer-on-mobile", "contact-cap"])
        let deferral = try #require(crossings.first { $0.policy == "defer-on-mobile" })
        #expect(deferral.file.hasSuffix("sessions.yaml"))
        #expect(deferral.reason.hasPrefix("a deferred task is released early by an event of another entity (session.started"),
            "\(deferral.reason)")
        let cap = try #require(crossings.first { $0.policy == "contact-cap" })
        #expect(cap.reason == "it counts the tasks of every subject per assignee, and those subjects belong to many partitions")
    }

    @Test func fraudRentAndLeadsAloneCrossNothing() throws {
        let paths = ["events.yaml", "fraud.yaml", "rent.yaml", "leads.yaml"].map { Self.stock.appendingPathComponent($0).path }
        let ruleSet = try RuleLoader.load(paths: paths).get()
        #expect(ruleSet.rules.map(\.id).sorted() == ["hot-lead-follow-up", "location-mismatch-fraud", "low-balance-before-rent"])
        #expect(PartitionCrossing.of(ruleSet).isEmpty)
    }
}
