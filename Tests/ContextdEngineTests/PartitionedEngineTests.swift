import ContextdEngine
import ContextdEvents
import Testing

/// An engine that holds only some partitions (a node of several, decision 0018 §3), against one
/// engine that holds everything (`replay`): the same release of a deferred task by another
/// partition's session, and the keys shared across partitions read again when told.
@Suite struct PartitionedEngineTests {
    /// The context of another engine's subjects, as a store would give them back.
    final class OtherEngine: ContextSource {
        let engine: Engine
        var reads: [String] = []
        init(_ engine: Engine) { self.engine = engine }
        func storedContext(of subject: String) -> EntityContext? {
            reads.append(subject)
            return engine.context(of: subject)
        }
    }

    /// A change as one comparable line: its kind and the task's JSON (whose keys are in a fixed
    /// order, unlike a dictionary's description).
    static func line(_ change: TaskChange) -> String {
        switch change {
        case .created(let task): "created " + task.json
        case .released(let task): "released " + task.json
        case .suppressed(let task, let policy): "suppressed by \(policy) " + task.json
        case .expiredOnArrival(let task): "expired on arrival " + task.json
        }
    }

    static func session(_ subject: String, _ time: String, _ formFactor: String) -> Event {
        EventFactory.event("session.started", subject, time, ["device": "phone", "form_factor": .string(formFactor)])
    }

    static func visit(_ lead: String, _ time: String, owner: String) -> Event {
        EventFactory.event("lead.visit", lead, time, ["page": "/pricing", "owner": .string(owner)])
    }

    /// The CRM user is on a phone when the lead task is made (deferred 3 h), then on a desktop
    /// (released then). One engine holding both, and two engines each holding one side.
    @Test func anotherPartitionsSessionReleasesTheDeferredTaskAsOneEngineDoes() throws {
        let rules = try ReplayHarness.loadRules()
        let events = [Self.session("user-1", "10:00", "mobile"), Self.visit("lead-38", "10:10", owner: "user-1"),
            Self.session("user-1", "10:40", "desktop")]
        let whole = Engine(ruleSet: rules)
        let reference = events.flatMap { whole.apply($0) }

        let users = Engine(ruleSet: rules)
        let leads = Engine(ruleSet: rules)
        let source = OtherEngine(users)
        leads.contextSource = source
        leads.tracksEntityReads = true
        leads.partitionOf = { $0.hasPrefix("user-") ? 1 : 0 }
        var split: [TaskChange] = []
        for event in events {
            if event.subject.hasPrefix("user-") {
                _ = users.apply(event)
                split += leads.applyRelease(event, clockAfter: max(leads.clock ?? event.time, event.time))
            } else {
                split += leads.apply(event)
            }
        }
        #expect(split.map(Self.line) == reference.map(Self.line))
        let released = split.compactMap { if case .released(let task) = $0 { task } else { nil } }
        #expect(released.map(\.notBefore) == [EventFactory.time("10:40")], "\(split)")
        #expect(leads.statistics.crossingReleases == 1)
        #expect(source.reads.contains("user-1"), "the deferral read the assignee's sessions from the other side")
    }

    /// Contexts read from the source are read again after `forgetEntityReads`: another node may
    /// have folded them since.
    @Test func aForgottenContextIsReadAgain() throws {
        let rules = try ReplayHarness.loadRules()
        let users = Engine(ruleSet: rules)
        let leads = Engine(ruleSet: rules)
        let source = OtherEngine(users)
        leads.contextSource = source
        leads.tracksEntityReads = true
        _ = users.apply(Self.session("user-1", "10:00", "desktop"))
        _ = leads.apply(Self.visit("lead-1", "10:10", owner: "user-1"))
        _ = users.apply(Self.session("user-1", "10:20", "mobile"))
        // Without forgetting, the copy read at 10:10 (desktop) would decide: not deferred.
        leads.forgetEntityReads { $0.hasPrefix("user-") }
        let changes = leads.apply(Self.visit("lead-2", "10:30", owner: "user-1"))
        let created = changes.compactMap { if case .created(let task) = $0 { task } else { nil } }
        #expect(created.map(\.deferredBy) == ["defer-on-mobile"], "\(changes)")
        #expect(source.reads.filter { $0 == "user-1" }.count == 2)
    }

    /// The contact cap's key of an assignee is read from the source at its first use after an
    /// invalidation, once: three tasks counted elsewhere stop the fourth.
    @Test func sharedKeysAreReadAgainAtTheirNextUseAfterAnInvalidation() throws {
        let rules = try ReplayHarness.loadRules()
        let engine = Engine(ruleSet: rules)
        var reads: [String] = []
        let counted = ["09:00", "09:30", "09:45"].map(EventFactory.time)
        engine.sharedKeys = SharedKeySource(prefixes: ["contact:contact-cap\u{1F}"], readDedup: { key in
            reads.append(key)
            return nil
        }, readLimit: { key in
            reads.append(key)
            return counted
        })
        let first = engine.apply(Self.visit("lead-1", "10:00", owner: "user-1"))
        #expect(first.contains { if case .suppressed(_, "contact-cap") = $0 { true } else { false } }, "\(first)")
        #expect(reads == ["contact:contact-cap\u{1F}user-1\u{1F}crm_task"])
        _ = engine.apply(Self.visit("lead-2", "10:05", owner: "user-1"))
        #expect(reads.count == 1, "no invalidation, no second read")
        engine.invalidateSharedKeys()
        _ = engine.apply(Self.visit("lead-3", "10:10", owner: "user-1"))
        #expect(reads.count == 2)
    }
}
