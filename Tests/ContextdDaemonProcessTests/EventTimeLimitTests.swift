import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import ContextdTestSupport
import Foundation
import HTTPTypes
import Testing

/// SPEC §8 on the real binary: a late file is evaluated in its own event time up to
/// `limits.allowed_lateness` and set aside verbatim beyond it; an event far ahead of the wall
/// clock is a bad line and never moves the clock.
@Suite(.serialized, .blocksAThread) struct EventTimeLimitTests {
    static func event(_ id: String, _ type: String, _ subject: String, _ time: Date, _ data: String) -> String {
        let formatter = ISO8601DateFormatter()
        return #"{"specversion":"1.0","id":"\#(id)","source":"web","type":"\#(type)","subject":"\#(subject)","time":"\#(formatter.string(from: time))","data":\#(data)}"#
    }

    static func visit(_ id: String, _ time: Date, _ page: String) -> String {
        event(id, "lead.visit", "lead-late-9", time, #"{"page":"\#(page)","owner":"user-late"}"#)
    }

    /// Waits until the daemon's clock (its metric) reached `time`: it followed the wall clock.
    static func waitForClock(_ sandbox: DaemonSandbox, atLeast time: Date) throws {
        let port = try sandbox.httpPort()
        try sandbox.waitUntil("the daemon's clock reaches \(time)", timeout: 30) {
            let metrics = HTTPProcessTests.samples(RawConnections.fetch("/metrics", port: port)?.body ?? "")
            return (metrics["contextd_clock_timestamp_seconds"] ?? 0) >= time.timeIntervalSince1970
        }
    }

    /// The lead's visits, by days before now (`d`): file 1 has −12 d /blog, −9 d /blog,
    /// −6.5 d /docs, −2 d /blog and −1 h /about (no pricing page: no task). Then the daemon
    /// follows the wall clock, and file 2 brings a /pricing visit at −6 d (6 days late, within
    /// the default 7 d) and one at −8 d (beyond it).
    ///
    /// By hand: the −6 d visit sees the 7-day window (−13 d, −6 d]: −12 d, −9 d, −6.5 d and
    /// itself, so **4 visits, 1 of them to pricing**. With the day of lateness the engine kept
    /// before, −12 d and −9 d were already pruned when −1 h was folded: it said 2. The −8 d
    /// visit is older than the clock minus 7 d: not applied, its line kept verbatim.
    @Test func aLateVisitSeesTheWindowsItWouldHaveSeenOnTimeAndOneBeyondTheLimitIsSetAside() async throws {
        let sandbox = try DaemonSandbox(allowedLateness: nil)
        let now = Date()
        func ago(days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }
        let first = [
            Self.visit("late-v1", ago(days: 12), "/blog"), Self.visit("late-v2", ago(days: 9), "/blog"),
            Self.visit("late-v3", ago(days: 6.5), "/docs"), Self.visit("late-v4", ago(days: 2), "/blog"),
            Self.visit("late-v5", now.addingTimeInterval(-3600), "/about"),
        ]
        let beyond = Self.visit("late-v7", ago(days: 8), "/pricing/enterprise")
        let second = [Self.visit("late-v6", ago(days: 6), "/pricing"), beyond]
        try sandbox.start()
        let copies = try sandbox.dropKeepingCopies([("0001.jsonl", first.joined(separator: "\n") + "\n")])
        try sandbox.waitUntilDrained()
        try Self.waitForClock(sandbox, atLeast: now)
        let lateCopies = try sandbox.dropKeepingCopies([("0002.jsonl", second.joined(separator: "\n") + "\n")])
        try sandbox.waitUntilDrained()

        let tasks = try sandbox.outboxTasks()
        #expect(tasks.count == 1)
        let task = try #require(tasks.values.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(task.utf8)) as? [String: Any])
        #expect((object["why"] as? String)?.hasPrefix("4 visits in the last 7 days, 1 of them to pricing") == true,
            "\(object["why"] ?? "no why")")
        #expect((object["data"] as? [String: Any])?["visits_7d"] as? Int == 4)
        #expect((object["evidence"] as? [String]) == ["late-v6"])

        // The line beyond the limit: verbatim in rejected/0002.jsonl.late.jsonl, its reason beside it.
        let rejected = sandbox.spool.appendingPathComponent("rejected")
        let kept = try String(contentsOf: rejected.appendingPathComponent("0002.jsonl.late.jsonl"), encoding: .utf8)
        #expect(kept == beyond + "\n")
        let reasons = try String(contentsOf: rejected.appendingPathComponent("0002.jsonl.late.errors.jsonl"), encoding: .utf8)
        #expect(reasons.hasPrefix(#"{"line":2,"error":"time "#) && reasons.contains("limits.allowed_lateness"))
        #expect(sandbox.names(in: "done") == ["0001.jsonl", "0002.jsonl"])
        #expect(sandbox.logText.contains("late events set aside, not applied"))
        let metrics = HTTPProcessTests.samples(try await request(try sandbox.httpPort(), .get, "/metrics").text)
        #expect(metrics[#"contextd_events_late_total{input="events"}"#] == 1)

        // replay over the same files, with the daemon's idle advance between them, agrees.
        #expect(try sandbox.stop() == 0)
        let clock = try #require(try sandbox.store().snapshot().clock)
        let replayed = try sandbox.replay(copies + lateCopies, steps: [1: clock])
        #expect(replayed == [task])
    }

    /// A late fraud pair's task expired 2 h after the card was used, 6 days ago: it is kept as
    /// expired and said ("expired on arrival"), not written and not silently dropped.
    @Test func aTaskAlreadyExpiredWhenItIsCreatedIsKeptAsExpiredAndLogged() async throws {
        let sandbox = try DaemonSandbox(allowedLateness: nil)
        let now = Date()
        try sandbox.start()
        try sandbox.drop("0001.jsonl", Self.visit("eoa-1", now.addingTimeInterval(-60), "/blog") + "\n")
        try sandbox.waitUntilDrained()
        try Self.waitForClock(sandbox, atLeast: now)
        let used = now.addingTimeInterval(-6 * 86_400)
        try sandbox.drop("0002.jsonl", [
            Self.event("eoa-2", "location.checkin", "cust-eoa", used.addingTimeInterval(-40 * 60),
                #"{"lat":40.7128,"lon":-74.006,"city":"New York"}"#),
            Self.event("eoa-3", "card.transaction", "cust-eoa", used,
                #"{"amount":84.5,"currency":"EUR","merchant":"Cafe","lat":48.8566,"lon":2.3522,"city":"Paris","card_present":true}"#),
        ].joined(separator: "\n") + "\n")
        try sandbox.waitUntilDrained()
        #expect(try sandbox.outboxTasks().isEmpty)
        try sandbox.waitUntil("the expiry is logged") { sandbox.logText.contains("tasks expired on arrival") }
        #expect(try sandbox.stop() == 0)
        let expired = try sandbox.store().tasks(in: .expired)
        #expect(expired.map(\.record.rule) == ["location-mismatch-fraud"])
    }

    /// One event dated 9999-12-31 used to move the clock there for good: every deferred task
    /// released at once, every window emptied, and dedup records pruned against it, so a resent
    /// file was applied twice. Now it is a bad line, and nothing moves.
    @Test func anEventFarAheadOfTheWallClockIsABadLineAndMovesNothing() async throws {
        let sandbox = try DaemonSandbox(allowedLateness: nil)
        let now = Date()
        // A lead visit while its owner is on a phone: the task waits 3 h (defer-on-mobile).
        let deferring = [
            Self.event("sk-1", "session.started", "user-skew", now.addingTimeInterval(-120),
                #"{"device":"phone","form_factor":"mobile"}"#),
            Self.event("sk-2", "lead.visit", "lead-skew", now.addingTimeInterval(-60),
                #"{"page":"/pricing","owner":"user-skew"}"#),
        ].joined(separator: "\n") + "\n"
        let poison = #"{"specversion":"1.0","id":"sk-3","source":"web","type":"session.ended","subject":"user-x","time":"9999-12-31T00:00:00Z"}"#
        try sandbox.start()
        try sandbox.drop("0001.jsonl", deferring)
        try sandbox.waitUntilDrained()
        try sandbox.drop("0002.jsonl", poison + "\n" + Self.visit("sk-4", now, "/blog") + "\n")
        try sandbox.waitUntilDrained()
        // The same file again, under a new name: duplicates, however long the daemon runs.
        try sandbox.drop("0003.jsonl", deferring)
        try sandbox.waitUntilDrained()

        let rejects = try String(
            contentsOf: sandbox.spool.appendingPathComponent("rejected/0002.jsonl.errors.jsonl"), encoding: .utf8)
        let reject = try #require(try JSONSerialization.jsonObject(with: Data(rejects.utf8)) as? [String: Any])
        #expect(reject["line"] as? Int == 1)
        #expect((reject["error"] as? String)?.contains("is more than 1h ahead of the wall clock") == true)
        #expect(reject["raw"] as? String == poison)
        #expect(try sandbox.outboxTasks().isEmpty, "the deferred task was released by the far-future event")
        let metrics = HTTPProcessTests.samples(try await request(try sandbox.httpPort(), .get, "/metrics").text)
        let clock = try #require(metrics["contextd_clock_timestamp_seconds"])
        #expect(clock <= Date().timeIntervalSince1970 + 3600)
        #expect(metrics[#"contextd_events_duplicate_total{input="events"}"#] == 2)
        #expect(try sandbox.stop() == 0)
        let pending = try sandbox.store().tasks(in: .pending)
        #expect(pending.map(\.record.deferredBy) == ["defer-on-mobile"])
    }
}
