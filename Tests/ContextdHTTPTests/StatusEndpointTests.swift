import ContextdEvents
import ContextdHTTP
import ContextdTestKit
import ContextdTestSupport
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// `GET /v1/status` on a real server: 200 with the report whether ready or not, the total of
/// the file in progress counted by the HTTP side from the file itself (and counted once per
/// name and size; the console's overview shows the same), and `contextd status` exiting 1
/// when the daemon is not ready.
@Suite struct StatusEndpointTests {
    /// A report as a daemon still recovering would give it, reading `file` in `spoolPath`.
    static func report(spoolPath: String, file: String, done: Int) -> StatusReport {
        StatusReport(
            ready: false, notReady: ["starting: finishing work left by the previous run"], version: "0.1.0 (commit test)",
            startedAt: "2026-11-23T09:00:00.000Z",
            clock: StatusReport.Clocks(engine: nil, wall: "2026-11-23T09:00:05.000Z", lagSeconds: nil, followsWallClock: true),
            spools: [StatusReport.SpoolStatus(
                name: "events", path: spoolPath, new: 3, cur: 1,
                inProgress: StatusReport.FileInProgress(file: file, done: done, total: nil), doneLastHour: 0,
                rejectedLastHour: 0, lastRejects: [])],
            tasks: StatusReport.TaskTally(
                pending: 0, deferred: 0, written: 0, queued: 0, leased: 0, acked: [:], expired: 0, expiredOnArrival: 0,
                dead: 0, outboxDepth: 0),
            rules: StatusReport.RulesStatus(
                count: 0, lastReload: StatusReport.Reload(at: "2026-11-23T09:00:00.000Z", ok: true, errors: []), rules: []),
            events: StatusReport.EventTally(total: 0, duplicates: 0, rejected: 0, late: 0, future: 0, perSecond: 0),
            store: StatusReport.StoreStatus(
                kind: "sqlite", location: "/var/lib/contextd/contextd.sqlite", sizeBytes: 4096, lastCommit: nil,
                lastError: nil),
            lastHour: [])
    }

    @Test func aDaemonNotReadyAnswers200WithWhyAndTheFileInProgressCountedFromTheFile() async throws {
        let harness = try APIHarness()
        let spool = harness.directory + "/spool"
        try FileManager.default.createDirectory(atPath: spool + "/cur", withIntermediateDirectories: true)
        let file = spool + "/cur/big.jsonl"
        // Five events in 45 bytes: blank lines are no items (the reader skips them), a last
        // line without its newline is one.
        let text = "{\"a\":1}\n\n{\"a\":2}\n  \t\n{\"a\":3}\r\n{\"a\":4}\n{\"a\":5}"
        #expect(text.utf8.count == 45)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let report = Self.report(spoolPath: spool, file: "big.jsonl", done: 2)
        let probe = OperationsProbe(
            notReadyReasons: { report.notReady }, metrics: { "" }, status: { report })
        let (first, cached, grown) = try await harness.withServer(probe: probe) { port in
            let first = try await request(port, .get, "/v1/status")
            // Same name and size (45 bytes), other lines: the count kept for this name and size stands.
            try String(repeating: "{}\n", count: 15).write(toFile: file, atomically: true, encoding: .utf8)
            let cached = try await request(port, .get, "/v1/status")
            try "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n{\"a\":5}\n{\"a\":6}\n{\"a\":7}\n{\"a\":8}\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            return (first, cached, try await request(port, .get, "/v1/status"))
        }
        #expect(first.status == 200)
        #expect(first.text.contains(#""ready":false"#) && first.text.contains(#""not_ready":["starting: "#))
        #expect(first.text.contains(#""in_progress":{"done":2,"file":"big.jsonl","total":5}"#), "\(first.text)")
        var expected = report
        expected.spools[0].inProgress?.total = 5
        #expect(try StatusReport(json: Array(first.text.utf8)) == expected)
        #expect(cached.text.contains(#""in_progress":{"done":2,"file":"big.jsonl","total":5}"#))
        #expect(grown.text.contains(#""in_progress":{"done":2,"file":"big.jsonl","total":8}"#))
    }

    /// The console's overview reads the same probe: the file in progress shows its total
    /// counted from the file as `/v1/status` gives it, not "?" until the script's first poll.
    @Test func theOverviewShowsTheTotalOfTheFileInProgressAsTheStatusDoes() async throws {
        let harness = try APIHarness(tokens: ConsolePageTests.tokens)
        let spool = harness.directory + "/spool"
        try FileManager.default.createDirectory(atPath: spool + "/cur", withIntermediateDirectories: true)
        try "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n".write(toFile: spool + "/cur/big.jsonl", atomically: true, encoding: .utf8)
        let report = Self.report(spoolPath: spool, file: "big.jsonl", done: 2)
        let probe = OperationsProbe(notReadyReasons: { report.notReady }, metrics: { "" }, status: { report })
        let (page, status) = try await harness.withServer(probe: probe) { port in
            let viewer = try await ConsoleBrowser.signedIn(port: port, secret: ConsolePageTests.reader)
            return (try await viewer.get("/"), try await viewer.get("/v1/status"))
        }
        #expect(status.text.contains(#""in_progress":{"done":2,"file":"big.jsonl","total":3}"#), "\(status.text)")
        #expect(page.text.contains("<td>big.jsonl: 2 of 3</td>"), "\(page.text)")
    }

    @Test func withoutADaemonBehindTheAPITheStatusIsA404() async throws {
        let harness = try APIHarness()
        let response = try await harness.withServer { port in try await request(port, .get, "/v1/status") }
        #expect(response.status == 404 && response.errorCode == "not_found")
    }

    @Test func theStatusTakesTheAPIsTokens() async throws {
        let harness = try APIHarness(tokens: [AccessToken(name: "ops", secret: "ops-secret", assignees: ["queue:"])])
        let report = Self.report(spoolPath: harness.directory, file: "gone.jsonl", done: 0)
        let (refused, answered) = try await harness.withServer(
            probe: OperationsProbe(notReadyReasons: { [] }, metrics: { "" }, status: { report })
        ) { port in
            (try await request(port, .get, "/v1/status"), try await request(port, .get, "/v1/status", token: "ops-secret"))
        }
        #expect(refused.status == 401)
        #expect(answered.status == 200)
        // The file in progress left cur/ before the count: no total, still an answer.
        #expect(answered.text.contains(#""in_progress":{"done":0,"file":"gone.jsonl","total":null}"#), "\(answered.text)")
    }

    /// It waits for `contextd status` on its thread while the server it asks runs on the pool.
    @Test(.blocksAThread) func contextdStatusExits1WhenTheDaemonIsNotReady() async throws {
        let harness = try APIHarness()
        let report = Self.report(spoolPath: harness.directory, file: "gone.jsonl", done: 7)
        let run = try await harness.withServer(
            probe: OperationsProbe(notReadyReasons: { report.notReady }, metrics: { "" }, status: { report })
        ) { port in try CommandRun(["status", "--url", "http://127.0.0.1:\(port)/"]) }
        #expect(run.status == 1)
        #expect(run.standardError == "contextd status: not ready: starting: finishing work left by the previous run\n")
        let lines = run.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.prefix(5) == [
            "contextd  0.1.0 (commit test), NOT READY",
            "  not ready: starting: finishing work left by the previous run",
            "started   2026-11-23T09:00:00.000Z",
            "clock     engine -, wall 2026-11-23T09:00:05.000Z, lag - (follows the wall clock when idle)",
            "events    0 taken (0/s), 0 duplicates, 0 rejected, 0 late, 0 future",
        ])
        #expect(lines.contains("spool     events \(harness.directory): 3 new, 1 in cur, reading gone.jsonl 7/?; last hour 0 done, 0 rejected"))
        #expect(lines.last == "store     sqlite /var/lib/contextd/contextd.sqlite: 4096 bytes, last commit none yet, last error none")
    }
}
