import ContextdEngine
import ContextdRules
import Foundation
import Testing

/// What of a rule set reaches across partitions (decision 0018 §3), as `check` and a node of
/// several read it: the stock deferral that another entity's session releases, the contact cap
/// counted per assignee, and the rules whose tasks meet them; fraud, rent and leads alone reach
/// nothing.
@Suite struct CrossingPlanTests {
    static let stock = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("rules")

    static func plan(_ files: [String]? = nil) throws -> CrossingPlan {
        let paths = files.map { $0.map { Self.stock.appendingPathComponent($0).path } } ?? [Self.stock.path]
        return CrossingPlan(try RuleLoader.load(paths: paths).get())
    }

    static func plan(yaml: String) throws -> CrossingPlan {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crossing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(yaml.utf8).write(to: directory.appendingPathComponent("rules.yaml"))
        try FileManager.default.copyItem(at: Self.stock.appendingPathComponent("events.yaml"),
            to: directory.appendingPathComponent("events.yaml"))
        return CrossingPlan(try RuleLoader.load(paths: [directory.path]).get())
    }

    @Test func theStockRulesWaitForTheWatermarkAndAreExact() throws {
        let plan = try Self.plan()
        #expect(!plan.isLocal)
        #expect(plan.items.allSatisfy { $0.verdict.isExact }, "\(plan.crossings)")
        let policies = Dictionary(uniqueKeysWithValues: plan.items.filter { $0.kind == .policy }.map { ($0.id, $0.verdict) })
        #expect(policies["contact-cap"] == .waits(
            "it counts the tasks of every subject per assignee, and those subjects belong to many partitions"))
        #expect(policies["cool-down-after-rejected-lead"] == .local)
        guard case .waits(let deferral) = policies["defer-on-mobile"] else {
            Issue.record("defer-on-mobile: \(String(describing: policies["defer-on-mobile"]))")
            return
        }
        #expect(deferral.contains("it reads another entity's context (entity(…))"))
        #expect(deferral.contains("released early by an event of another entity (session.started)"))
        // Every rule's tasks meet the contact cap (it names no rules) and the deferral.
        for rule in plan.items.filter({ $0.kind == .rule }) {
            guard case .waits(let why) = rule.verdict else {
                Issue.record("\(rule.id): \(rule.verdict)")
                continue
            }
            #expect(why.contains("its tasks meet contact-cap, defer-on-mobile"), "\(rule.id): \(why)")
        }
        #expect(plan.releaseTypes == ["session.started"])
        #expect(plan.timersWait, "the rent rule has a timer")
        #expect(plan.readsOtherEntities)
        #expect(plan.waitingTypes.isSuperset(of: ["card.transaction", "lead.visit", "account.balance", "session.started",
            "session.ended", "location.checkin"]))
        #expect(plan.sharedKeyPrefixes == ["contact:contact-cap\u{1F}"])
    }

    /// A timed rule whose tasks count under a key that other partitions' tasks count under:
    /// timers of two partitions due at the same log entry go side by side, so that is named as
    /// not exact. The stock rent rule's tasks go to their own subject, so its contact-cap key
    /// is its subject's alone and it stays exact.
    @Test func aTimedRuleWhoseTasksShareAKeyIsNotExact() throws {
        let plan = try Self.plan(yaml: """
            context:
              balance:
                kind: latest
                description: The latest balance.
                on: [account.balance]
                value: event.data.balance
            rules:
              - id: reminder
                description: A reminder a day after a low balance.
                on: [account.balance]
                when: context.balance.value < 100
                timer: context.balance.time + duration("1d")
                task: {assignee: "queue:collections", where: phone, what: Call, why: Low balance, priority: 50}
              - id: own-reminder
                description: The same, to the customer.
                on: [account.balance]
                when: context.balance.value < 100
                timer: context.balance.time + duration("1d")
                task: {assignee: "{{ subject }}", where: push, what: Top up, why: Low balance, priority: 50}
            policies:
              - id: per-assignee
                kind: contact
                description: At most five a day per assignee.
                count: 5
                per: 1d
                by: assignee
            """)
        let verdicts = plan.verdicts
        guard case .notExact(let why) = verdicts["rule reminder"] else {
            Issue.record("\(String(describing: verdicts["rule reminder"]))")
            return
        }
        #expect(why.contains("(per-assignee)"), "\(why)")
        #expect(verdicts["rule own-reminder"] == .waits("its tasks meet per-assignee"))
        #expect(plan.timersWait)
    }

    @Test func fraudRentAndLeadsAloneAreLocal() throws {
        let plan = try Self.plan(["events.yaml", "fraud.yaml", "rent.yaml", "leads.yaml"])
        #expect(plan.isLocal)
        #expect(plan.crossings.isEmpty, "\(plan.crossings)")
        #expect(plan.items.filter { $0.kind == .rule }.map(\.id).sorted()
            == ["hot-lead-follow-up", "location-mismatch-fraud", "low-balance-before-rent"])
    }

    @Test func aContactCapBySubjectIsLocalAndOneByAssigneeNamesOnlyItsRules() throws {
        let plan = try Self.plan(yaml: """
            rules:
              - id: big-payment
                description: A big card payment.
                on: [card.transaction]
                when: event.data.amount > 1000
                task: {assignee: "{{ event.data.merchant }}", where: phone, what: Call, why: Big payment, priority: 50}
              - id: small-payment
                description: A small card payment.
                on: [account.balance]
                when: event.data.balance < 10
                task: {assignee: "{{ subject }}", where: push, what: Top up, why: Low balance, priority: 50}
            policies:
              - id: per-customer
                kind: contact
                description: At most two a day per customer.
                count: 2
                per: 1d
                by: subject
              - id: per-advisor
                kind: contact
                description: At most five a day per advisor.
                rules: [big-payment]
                count: 5
                per: 1d
                by: assignee
            """)
        let verdicts = plan.verdicts
        #expect(verdicts["policy per-customer"] == .local)
        #expect(verdicts["rule small-payment"] == .local)
        #expect(verdicts["rule big-payment"] == .waits("its tasks meet per-advisor"))
        #expect(plan.waitingTypes == ["card.transaction"])
        #expect(!plan.timersWait)
        #expect(plan.releaseTypes.isEmpty)
    }

    @Test func keysThatDoNotNameTheSubjectAreSharedAndAReleaseReadingContextIsNotExact() throws {
        let plan = try Self.plan(yaml: """
            context:
              devices:
                kind: latest
                description: The device of the latest session.
                on: [session.started]
                value: event.data.form_factor
            rules:
              - id: big-payment
                description: A big card payment.
                on: [card.transaction]
                when: event.data.amount > 1000
                task:
                  assignee: "{{ event.data.merchant }}"
                  where: email
                  what: Call
                  why: Big payment
                  priority: 50
                  dedup: {key: "{{ event.data.currency }}", window: 1d}
            policies:
              - id: one-per-advisor
                kind: suppress
                description: One a day per advisor.
                limit: {count: 1, per: 1d, key: "{{ task.assignee }}"}
              - id: wait-for-desktop
                kind: defer
                description: Hold email while on a phone.
                until: task.created_at + duration("3h")
                release:
                  on: [session.started]
                  when: context.devices.value == "desktop"
            """)
        let verdicts = plan.verdicts
        guard case .waits(let rule) = verdicts["rule big-payment"] else {
            Issue.record("\(String(describing: verdicts["rule big-payment"]))")
            return
        }
        #expect(rule.contains("its dedup key '{{ event.data.currency }}' does not name the subject"))
        #expect(verdicts["policy one-per-advisor"]
            == .waits("its limit key '{{ task.assignee }}' does not name the subject, so tasks of several partitions share it"))
        #expect(verdicts["policy wait-for-desktop"]
            == .notExact("its release condition reads the releasing entity's context, which another node folds"))
        #expect(plan.sharedKeyPrefixes == ["limit:one-per-advisor\u{1F}", "rule:big-payment\u{1F}"])
    }
}

extension CrossingPlan {
    /// Each item's verdict under "<kind> <id>" (`rule reminder`, `policy contact-cap`).
    var verdicts: [String: Verdict] {
        Dictionary(uniqueKeysWithValues: items.map { ("\($0.kind.rawValue) \($0.id)", $0.verdict) })
    }
}
