import ContextdHTTP
import ContextdTestKit
import ContextdTestSupport
import Foundation
import Glibc
import HTTPTypes
import Testing

/// `GET /v1/status` and `contextd status` on the real binary after a run whose every count is
/// known: a fraud task written, a second candidate stopped by the rule's dedup, a duplicate, a
/// bad line, an event far ahead of the wall clock, a late event, a task expired on arrival, a
/// rejected file and a broken reload.
@Suite(.serialized, .blocksAThread) struct StatusTests {
    /// What the run of ``theStatusCountsAKnownRunExactly()`` drops: see the counts there.
    static func dropKnownRun(_ sandbox: DaemonSandbox) throws {
        let now = TestEvents.now
        // 0001: a fraud pair (a task), the check-in again (a duplicate), a line that is not JSON,
        // a check-in dated 30 days ahead (future), and a payment in Chicago 100 s after Paris:
        // a second candidate for the same customer, stopped by the rule's 24 h dedup.
        let pair = TestEvents.newYorkThenParis(prefix: "st1", subject: "cust-st", payment: now - 600)
            .split(separator: "\n").map(String.init)
        let future = TestEvents.line(id: "st-future", source: "checkins", type: "location.checkin", subject: "cust-st",
            time: TestEvents.format(now + 30 * 86_400), data: TestEvents.checkinData(.newYork))
        let chicago = TestEvents.line(id: "st-chicago", source: "cards", type: "card.transaction", subject: "cust-st",
            time: TestEvents.format(now - 500), data: TestEvents.cardData(.chicago, amount: 20))
        try sandbox.drop("0001.jsonl", [pair[0], pair[1], pair[0], "not JSON at all", future, chicago]
            .joined(separator: "\n") + "\n")
        try sandbox.waitUntilSettled(done: ["0001.jsonl"], rejected: [])
        try EventTimeLimitTests.waitForClock(sandbox, atLeast: now)
        // 0002, once the clock followed the wall clock: a fraud pair 6 days old (its task, 2 h
        // long, expired on arrival) and a visit 8 days old (beyond the 7 d lateness: set aside).
        let eoa = TestEvents.newYorkThenParis(prefix: "st2", subject: "cust-eoa", payment: now - 6 * 86_400)
        let late = EventTimeLimitTests.visit("st-late", now - 8 * 86_400, "/pricing")
        try sandbox.drop("0002.jsonl", eoa + late + "\n")
        // A file contextd does not read: rejected whole.
        try sandbox.drop("x.csv", "a,b\n")
        try sandbox.waitUntilSettled(done: ["0001.jsonl", "0002.jsonl"], rejected: ["x.csv"])
        try sandbox.waitUntil("the expiry on arrival is committed") { sandbox.logText.contains("tasks expired on arrival") }
    }

    static func status(_ port: Int) async throws -> (Int, StatusReport) {
        let response = try await request(port, .get, "/v1/status")
        return (response.status, try StatusReport(json: Array(response.text.utf8)))
    }

    @Test func theStatusCountsAKnownRunExactly() async throws {
        let sandbox = try DaemonSandbox(allowedLateness: nil)
        try sandbox.start()
        let port = try sandbox.httpPort()
        try Self.dropKnownRun(sandbox)

        let (code, report) = try await Self.status(port)
        #expect(code == 200)
        #expect(report.ready && report.notReady.isEmpty)
        #expect(report.events == StatusReport.EventTally(
            total: 6, duplicates: 1, rejected: 2, late: 1, future: 1, perSecond: report.events.perSecond))
        #expect(report.events.perSecond > 0, "6 events in the last minute")
        #expect(report.lastHour.count == 60)
        #expect(report.lastHour.map(\.events).reduce(0, +) == 6)
        #expect(report.lastHour.map(\.tasks).reduce(0, +) == 2, "the written task and the one expired on arrival")

        #expect(report.tasks == StatusReport.TaskTally(
            pending: 0, deferred: 0, written: 1, queued: 0, leased: 0, acked: [:], expired: 1, expiredOnArrival: 1,
            dead: 0, outboxDepth: 1))

        let fraud = try #require(report.rules.rules.first { $0.id == "location-mismatch-fraud" })
        #expect(fraud.evaluations == 3 && fraud.matches == 3 && fraud.tasks == 2)
        #expect(fraud.suppressed == ["dedup": 1])
        #expect(fraud.errors == 0 && fraud.lastError == nil)
        #expect(fraud.file?.hasSuffix("/rules/fraud.yaml") == true)
        #expect(fraud.description == "A card used farther from the customer's last known location than anyone could travel.")
        #expect(report.rules.count == report.rules.rules.count && report.rules.count > 1)
        #expect(report.rules.lastReload.ok && report.rules.lastReload.errors.isEmpty)

        let spool = try #require(report.spools.first)
        #expect(report.spools.count == 1)
        #expect(spool.name == "events" && spool.path == sandbox.spool.path)
        #expect(spool.new == 0 && spool.cur == 0 && spool.inProgress == nil)
        #expect(spool.doneLastHour == 2 && spool.rejectedLastHour == 1)
        #expect(spool.lastRejects.map(\.file) == ["x.csv"])
        #expect(spool.lastRejects.first?.reason.contains("'.csv'") == true, "\(spool.lastRejects)")

        #expect(report.store.kind == "sqlite")
        #expect(report.store.location == sandbox.database)
        #expect((report.store.sizeBytes ?? 0) > 0)
        #expect(report.store.lastCommit != nil && report.store.lastError == nil)
        let engine = try #require(report.clock.engine.flatMap(TestEvents.parse))
        #expect(abs(engine.timeIntervalSinceNow) < 120, "the clock followed the wall clock")
        #expect(report.clock.followsWallClock)

        // A broken edit of fraud.yaml: the last reload says where, and the rules in force stay.
        let fraudFile = sandbox.rules.appendingPathComponent("fraud.yaml")
        let stock = try String(contentsOf: fraudFile, encoding: .utf8)
        let brokenLine = "        amount: event.data.amout"
        let broken = stock.replacingOccurrences(of: "        amount: event.data.amount", with: brokenLine)
        let lineNumber = try #require(broken.components(separatedBy: "\n").firstIndex(of: brokenLine)) + 1
        let column = brokenLine.distance(from: brokenLine.startIndex, to: try #require(brokenLine.range(of: "amout")).lowerBound) + 1
        try sandbox.replaceRuleFile(fraudFile, with: broken)
        try sandbox.waitUntil("the broken edit is refused") { sandbox.logText.contains("reload failed") }
        let (_, afterReload) = try await Self.status(port)
        let reload = afterReload.rules.lastReload
        #expect(!reload.ok)
        #expect(reload.errors.count == 1)
        let error = try #require(reload.errors.first)
        #expect(error.file == fraudFile.path)
        #expect(error.line == lineNumber && error.column == column)
        #expect(error.message.contains("amout"), "\(error.message)")
        #expect(afterReload.rules.count == report.rules.count)
        #expect(afterReload.rules.rules.first { $0.id == "location-mismatch-fraud" }?.suppressed == ["dedup": 1])

        // contextd status says the same in lines.
        let run = try Self.runStatus(["--url", "http://127.0.0.1:\(port)"])
        #expect(run.status == 0, "stderr: \(run.standardError)")
        let lines = run.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("contextd  0.1.0 (commit ") == true && lines.first?.hasSuffix(", ready") == true,
            "\(lines.first ?? "")")
        #expect(lines.contains { $0.hasPrefix("events    6 taken (") && $0.hasSuffix("/s), 1 duplicates, 2 rejected, 1 late, 1 future") },
            "\(lines)")
        #expect(lines.contains("spool     events \(sandbox.spool.path): 0 new, 0 in cur; last hour 2 done, 1 rejected"))
        #expect(lines.contains { $0.hasPrefix("  rejected x.csv at ") && $0.contains("'.csv'") })
        #expect(lines.contains("tasks     0 pending (0 deferred), 1 written, 0 queued, 0 leased, 0 acked, "
            + "1 expired (1 on arrival), 0 dead; outbox 1 waiting"))
        #expect(lines.contains { $0.hasPrefix("rules     \(report.rules.count) in force; last load ")
            && $0.hasSuffix(" FAILED (1 errors; the previous rules stay)") })
        #expect(lines.contains("  \(fraudFile.path):\(lineNumber):\(column): \(error.message)"))
        #expect(lines.contains("rule      location-mismatch-fraud: 3 evaluations, 3 matches, 2 tasks, 1 suppressed (dedup 1), 0 errors"))
        #expect(lines.contains { $0.hasPrefix("store     sqlite \(sandbox.database): ") && $0.hasSuffix(", last error none") })
        #expect(try sandbox.stop() == 0)

        // Not reachable once stopped: exit 1, and stderr says why.
        let unreachable = try Self.runStatus(["--url", "http://127.0.0.1:\(port)"])
        #expect(unreachable.status == 1)
        #expect(unreachable.standardOutput.isEmpty)
        #expect(unreachable.standardError.contains("contextd status: cannot reach the daemon at http://127.0.0.1:\(port)"),
            "\(unreachable.standardError)")
    }

    @Test func aTokenIsSentFromTheTokenFileAndABadArgumentIsAUsageError() async throws {
        let sandbox = try DaemonSandbox(extra: """
            http:
              listen: 127.0.0.1:0
              tokens:
                - name: ops
                  token: s3cret-status-token
                  assignees: ["queue:"]
            """)
        try sandbox.start()
        let port = try sandbox.httpPort()
        let url = "http://127.0.0.1:\(port)"
        let without = try Self.runStatus(["--url", url])
        #expect(without.status == 1)
        #expect(without.standardError.contains("/v1/status answered 401 (give a token the daemon accepts with --token-file)"),
            "\(without.standardError)")
        let tokenFile = sandbox.directory.appendingPathComponent("token")
        try "s3cret-status-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        try sandbox.waitUntil("the daemon is ready") { try Self.runStatus(["--url", url, "--token-file", tokenFile.path]).status == 0 }
        let with = try Self.runStatus(["--url", url, "--token-file", tokenFile.path])
        #expect(with.standardOutput.hasPrefix("contextd  "))
        #expect(!with.standardOutput.contains("s3cret"), "the token never shows")

        let badURL = try Self.runStatus(["--url", "ftp://example"])
        #expect(badURL.status == 2)
        #expect(badURL.standardError.contains("--url must be an http:// address"))
        let missingFile = try Self.runStatus(["--url", url, "--token-file", "/nonexistent/token"])
        #expect(missingFile.status == 2)
        #expect(missingFile.standardError.contains("cannot read --token-file /nonexistent/token"))
        let help = try Self.runStatus(["--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("expired_on_arrival") == false)
        #expect(help.standardOutput.contains("(of them expired on arrival: created already past expires_at)"))
        #expect(try sandbox.stop() == 0)
    }

    @Test func aRuleFailingAtRunTimeShowsItsErrorCountAndLastError() async throws {
        let sandbox = try DaemonSandbox()
        try RuntimeFaultTests.addRuleFailingOnBadData(to: sandbox)
        try sandbox.start()
        let port = try sandbox.httpPort()
        try sandbox.drop("a.jsonl",
            RuntimeFaultTests.event("e-1", at: "nope") + "\n" + RuntimeFaultTests.event("e-2", at: "never") + "\n")
        try sandbox.waitUntilSettled(done: ["a.jsonl"], rejected: [])
        let (_, report) = try await Self.status(port)
        let rule = try #require(report.rules.rules.first { $0.id == "fails-on-bad-data" })
        #expect(rule.evaluations == 2 && rule.matches == 0 && rule.errors == 2)
        let last = try #require(rule.lastError)
        #expect(last.event == "e-2")
        #expect(last.message.contains("'never'"), "\(last.message)")
        let run = try Self.runStatus(["--url", "http://127.0.0.1:\(port)"])
        #expect(run.standardOutput.contains("rule      fails-on-bad-data: 2 evaluations, 0 matches, 0 tasks, 0 suppressed, 2 errors\n"
            + "  last error at \(last.at) on event e-2: \(last.message)\n"), "\(run.standardOutput)")
        #expect(try sandbox.stop() == 0)
    }

    /// The client speaks no TLS and the daemon serves plain HTTP: `https://` is a bad argument
    /// that says so, and so are URLs it could not send as they are.
    @Test func anHTTPSURLIsABadArgumentThatSaysTheDaemonServesPlainHTTP() throws {
        let https = try Self.runStatus(["--url", "https://127.0.0.1:8470"])
        #expect(https.status == 2)
        #expect(https.standardOutput.isEmpty)
        #expect(https.standardError.contains("--url https://127.0.0.1:8470: the daemon serves plain HTTP"), "\(https.standardError)")
        #expect(https.standardError.contains("SSH tunnel"), "\(https.standardError)")
        for bad in ["http://", "http://::1:8470", "http://host:0", "http://host:99999", "http://host:80x", "http://a@host",
            "http://host/?q=1", "http://[::1", "127.0.0.1:8470"]
        {
            let run = try Self.runStatus(["--url", bad])
            #expect(run.status == 2, "\(bad)")
            #expect(run.standardError.contains("--url must be an http:// address such as http://127.0.0.1:8470"),
                "\(bad): \(run.standardError)")
        }
    }

    /// A server that accepts the connection and closes it without a word: exit 1, and stderr
    /// says it did not answer; nothing on stdout.
    @Test func aServerThatClosesWithoutAnsweringIsNotReachable() throws {
        let (listener, port) = try RawConnections.listening()
        defer { close(listener) }
        let acceptor = Thread {
            let connection = accept(listener, nil, nil)
            if connection >= 0 { close(connection) }
        }
        acceptor.start()
        let started = Date()
        let run = try Self.runStatus(["--url", "http://127.0.0.1:\(port)/"])
        #expect(run.status == 1)
        #expect(run.standardOutput.isEmpty)
        #expect(run.standardError == "contextd status: cannot reach the daemon at http://127.0.0.1:\(port): "
            + "it closed the connection and did not answer (is it running, and is --url its http.listen?)\n")
        #expect(Date().timeIntervalSince(started) < 8, "the close is an answer at once, not a timeout")
    }

    /// Connection refused and bytes that are not HTTP: each says what failed.
    @Test func aRefusedConnectionAndAnAnswerThatIsNotHTTPSayWhatFailed() throws {
        let free = try RawConnections.freePort()
        let refused = try Self.runStatus(["--url", "http://127.0.0.1:\(free)"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("cannot reach the daemon at http://127.0.0.1:\(free): connection refused"),
            "\(refused.standardError)")
        // An IPv6 host in brackets is an address (exit 1 as above, not the bad argument's 2).
        let bracketed = try Self.runStatus(["--url", "http://[::1]:\(free)/prefix/"])
        #expect(bracketed.status == 1)
        #expect(bracketed.standardError.hasPrefix("contextd status: cannot reach the daemon at http://[::1]:\(free)/prefix: "),
            "\(bracketed.standardError)")

        let (listener, port) = try RawConnections.listening()
        defer { close(listener) }
        let acceptor = Thread {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            RawConnections.send("SSH-2.0-OpenSSH_9.6\r\n", on: connection)
            _ = RawConnections.readUntilClosed(connection)
            close(connection)
        }
        acceptor.start()
        let notHTTP = try Self.runStatus(["--url", "http://127.0.0.1:\(port)"])
        #expect(notHTTP.status == 1)
        #expect(notHTTP.standardError.hasPrefix(
            "contextd status: http://127.0.0.1:\(port)/v1/status did not answer a status: the answer is not HTTP ("),
            "\(notHTTP.standardError)")
    }

    /// Runs `contextd status` with `arguments`; its exit status and both outputs.
    static func runStatus(_ arguments: [String]) throws
        -> (status: Int32, standardOutput: String, standardError: String)
    {
        let run = try CommandRun(["status"] + arguments)
        return (run.status, run.standardOutput, run.standardError)
    }
}
