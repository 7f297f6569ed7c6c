import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdStore
import ContextdTestSupport
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// What the console's pages show: escaped text, no secret anywhere, its own 404, the overview
/// from the status probe, bounded views of rejected input.
@Suite struct ConsolePageTests {
    static let admin = "s3cret-admin-0123456789ab"
    static let reader = "s3cret-read-0123456789abc"
    static let crm = "s3cret-crm-0123456789abcd"
    static let tokens = [
        AccessToken(name: "ops", secret: admin, assignees: [""], access: .admin),
        AccessToken(name: "viewer", secret: reader, assignees: [""], access: .read),
        AccessToken(name: "crm", secret: crm, assignees: [""]),
    ]

    static let hostile = #"<script>alert("x")</script>'"#

    static func report(queued: Int = 7) -> StatusReport {
        StatusReport(
            ready: false, notReady: ["rules not loaded <yet>"], version: "0.9.0", startedAt: "2026-11-23T08:00:00Z",
            clock: .init(engine: "2026-11-23T08:59:58Z", wall: "2026-11-23T09:00:00Z", lagSeconds: 2.25, followsWallClock: true),
            spools: [.init(name: "cards", path: "/var/spool/cards", new: 3, cur: 1,
                inProgress: .init(file: "big.jsonl", done: 120, total: 400), doneLastHour: 12, rejectedLastHour: 1,
                lastRejects: [.init(file: "x<1>.csv", reason: "has extension '.csv'", at: "2026-11-23T08:58:00Z")])],
            tasks: .init(pending: 4, deferred: 1, written: 9, queued: queued, leased: 2, acked: ["done": 5], expired: 3,
                expiredOnArrival: 2, dead: 1, outboxDepth: 6),
            rules: .init(count: 42, lastReload: .init(at: "2026-11-23T08:30:00Z", ok: false, errors: [
                .init(file: "rules/fraud.yaml", line: 12, column: 9, message: "unknown field 'amout'"),
            ]), rules: []),
            events: .init(total: 1000, duplicates: 4, rejected: 2, late: 1, future: 0, perSecond: 16.66),
            store: .init(kind: "sqlite", location: "/var/lib/contextd/contextd.sqlite", sizeBytes: 4096,
                lastCommit: "2026-11-23T08:59:59Z", lastError: nil),
            lastHour: [.init(at: "2026-11-23T08:58:00Z", events: 10, tasks: 0),
                .init(at: "2026-11-23T08:59:00Z", events: 20, tasks: 5)])
    }

    @Test func textFromTasksAndQueriesIsEscapedEverywhere() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        var task = APIHarness.task("t-" + Self.hostile, assignee: "queue:" + Self.hostile)
        task.subject = Self.hostile
        task.what = "Call " + Self.hostile
        try harness.publish([task])
        try await harness.deadLetterAll()
        try await harness.withServer { port in
            let ops = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            // The notice names a task the caller may see (ConsoleAttackTests): this one, named like markup.
            let page = try await ops.get("/dead-letters?requeued=" + ConsoleBrowser.formEncoded("t-" + Self.hostile))
            #expect(page.status == 200)
            let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;"
            #expect(page.text.contains("<td>" + escaped + "</td>"), "the subject")
            #expect(page.text.contains("<td>queue:" + escaped + "</td>"), "the assignee")
            #expect(page.text.contains("<code>t-" + escaped + "</code>"), "the id")
            #expect(page.text.contains("Requeued t-" + escaped + "."), "the query parameter")
            #expect(page.text.contains(#"<input type="hidden" name="task" value="t-"# + escaped + #"">"#))
            #expect(!page.text.contains("<script>alert"))
            // The only script element on any page is the console's own.
            #expect(page.text.components(separatedBy: "<script").count == 2)
            let missing = try await ops.get("/%3Cscript%3Ealert(1)%3C/script%3E")
            #expect(missing.status == 404 && !missing.text.contains("<script>alert"))
            // The form posts back what it shows: requeuing that id works.
            let requeued = try await ops.send(.post, "/dead-letters/requeue",
                form: "task=" + ConsoleBrowser.formEncoded("t-" + Self.hostile) + "&csrf=" + ops.csrf!)
            #expect(requeued.status == 303)
            #expect(try await harness.store.deadLetters(
                assigneePrefixes: [""], limit: 10, terms: harness.settings.lease, at: harness.clock.now).isEmpty)
        }
    }

    @Test func noPageNorAssetShowsAConfiguredSecret() async throws {
        var harness = try APIHarness(tokens: Self.tokens)
        let rejected = harness.directory + "/rejected"
        try FileManager.default.createDirectory(atPath: rejected, withIntermediateDirectories: true)
        try "x\n".write(toFile: rejected + "/a.csv", atomically: true, encoding: .utf8)
        harness.rejectedInput = RejectedInputSource(spools: [.init(name: "events", rejectedPath: rejected)])
        try FileManager.default.createDirectory(atPath: harness.directory + "/rules", withIntermediateDirectories: true)
        try "rules:\n  - id: a\n    on: [x]\n".write(toFile: harness.directory + "/rules/a.yaml", atomically: true, encoding: .utf8)
        harness.ruleFiles = RuleFilesSource(paths: [harness.directory + "/rules"])
        try harness.publish([APIHarness.task("t-1")])
        try await harness.deadLetterAll()
        let report = Self.report()
        let probe = OperationsProbe(notReadyReasons: { [] }, metrics: { "" }, status: { report })
        try await harness.withServer(probe: probe) { port in
            var bodies: [String] = []
            let anonymous = ConsoleBrowser(port: port)
            for path in ["/sign-in", "/assets/console.css", "/assets/console.js", "/nope"] {
                bodies.append(try await anonymous.get(path).text)
            }
            bodies.append(try await anonymous.send(.post, "/sign-in", form: "token=" + Self.admin).text)
            bodies.append(try await anonymous.send(.post, "/sign-in", form: "token=" + Self.crm + "x").text)
            for secret in [Self.admin, Self.reader, Self.crm] {
                let browser = try await ConsoleBrowser.signedIn(port: port, secret: secret)
                for path in ["/", "/dead-letters", "/rejected", "/rejected/raw?spool=events&file=a.csv", "/v1/status", "/x",
                    "/rules", "/tasks", "/task?id=t-1", "/task?id=t-1&explain=1", "/subject?subject=cust-t-1"]
                {
                    let response = try await browser.get(path)
                    #expect([200, 403, 404].contains(response.status), "\(path)")
                    bodies.append(response.text)
                }
            }
            #expect(bodies.count == 39)
            for body in bodies {
                for token in Self.tokens {
                    #expect(!body.contains(String(decoding: token.secret, as: UTF8.self)))
                }
            }
        }
    }

    @Test func anUnknownPageIsA404InTheConsoleStyleAndAnUnknownAPIPathAJSON404() async throws {
        let harness = try APIHarness()
        try await harness.withServer { port in
            let browser = ConsoleBrowser(port: port)
            let page = try await browser.get("/settings/users")
            #expect(page.status == 404 && page.contentType == "text/html; charset=utf-8")
            #expect(page.text.contains(#"<link rel="stylesheet" href="/assets/console.css">"#))
            #expect(page.text.contains("there is no page /settings/users in the console"))
            #expect(page.text.contains(#"<a href="/dead-letters">Dead letters</a>"#))
            let api = try await browser.get("/v1/nope")
            #expect(api.status == 404 && api.contentType == "application/json")
            #expect(api.json.errorCode == "not_found")
            // Every section of the navigation has its page.
            #expect(page.text.contains(#"<a href="/rules">Rules</a>"#) && page.text.contains(#"<a href="/tasks">Tasks</a>"#))
        }
    }

    @Test func theOverviewShowsTheStatusReportAndMarksEachFigureForTheScript() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        let queued = AtomicCounter(7)
        let probe = OperationsProbe(notReadyReasons: { [] }, metrics: { "" }, status: { Self.report(queued: queued.value) })
        try await harness.withServer(probe: probe) { port in
            let viewer = try await ConsoleBrowser.signedIn(port: port, secret: Self.reader)
            let page = try await viewer.get("/")
            #expect(page.status == 200)
            for (key, value) in [("tasks.queued", "7"), ("tasks.acked.done", "5"), ("tasks.acked.rejected", "0"),
                ("clock.lag_seconds", "2.3"), ("events.per_second", "16.7"), ("rules.count", "42"),
                ("rules.last_reload.ok", "no"), ("store.last_error", "—"), ("last_hour.-1.tasks", "5"), ("ready", "no")]
            {
                #expect(page.text.contains(#"data-status="\#(key)">\#(value)<"#), "\(key)")
            }
            #expect(page.text.contains("<li>rules/fraud.yaml:12:9: unknown field &#39;amout&#39;</li>"))
            #expect(page.text.contains("<li>rules not loaded &lt;yet&gt;</li>"))
            #expect(page.text.contains("<td>big.jsonl: 120 of 400</td>"))
            #expect(page.text.contains("cards: x&lt;1&gt;.csv (2026-11-23T08:58:00Z): has extension &#39;.csv&#39;"))
            #expect(page.text.contains(#"<polyline class="tasks" data-series="tasks" points="0,115 600,5">"#))
            #expect(page.text.contains(#"<div class="overview" data-live="/v1/status">"#))
            #expect(page.text.contains("<noscript>"))
            // The script polls /v1/status with the same cookie: a new task shows there.
            queued.value = 8
            let status = try await viewer.get("/v1/status")
            #expect(status.status == 200 && status.contentType == "application/json")
            guard case .object(let root) = status.json, case .object(let tasks)? = root["tasks"] else {
                Issue.record("\(status.text)"); return
            }
            #expect(tasks["queued"] == .number(8))
            let script = try await viewer.get("/assets/console.js")
            #expect(script.contentType == "text/javascript; charset=utf-8")
            #expect(script.text.contains("setTimeout(poll, 1000)") && script.text.contains("textContent"))
            #expect(!script.text.contains("innerHTML"))
            let style = try await viewer.get("/assets/console.css")
            #expect(style.contentType == "text/css; charset=utf-8" && style.text.contains("prefers-color-scheme: dark"))
            for body in [page.text, script.text, style.text] {
                #expect(!body.contains("http://") && !body.contains("https://") && !body.contains("//cdn"))
            }
        }
    }

    @Test func rejectedInputIsListedNewestFirstPaginatedAndReadBounded() async throws {
        var harness = try APIHarness(tokens: Self.tokens)
        let rejected = harness.directory + "/rejected"
        try FileManager.default.createDirectory(atPath: rejected, withIntermediateDirectories: true)
        for index in 1...25 {
            let name = String(format: "f%02d.jsonl", index)
            try "{}\n".write(toFile: rejected + "/" + name, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_700_000_000 + Double(index))],
                ofItemAtPath: rejected + "/" + name)
        }
        // A link to a file outside is never followed, a long file is cut.
        try FileManager.default.createSymbolicLink(atPath: rejected + "/link.jsonl", withDestinationPath: "/etc/passwd")
        try (1...1000).map { "line \($0)" }.joined(separator: "\n")
            .write(toFile: rejected + "/long.jsonl", atomically: true, encoding: .utf8)
        harness.rejectedInput = RejectedInputSource(spools: [.init(name: "events", rejectedPath: rejected)])
        try await harness.withServer { port in
            let ops = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            let first = try await ops.get("/rejected")
            #expect(first.text.contains("27 rejected"))
            let names = first.text.matches(of: #/<h3><code>([^<]+)</code></h3>/#).map { String($0.1) }
            #expect(names.count == 20)
            #expect(Array(names[2...4]) == ["f25.jsonl", "f24.jsonl", "f23.jsonl"], "newest first, after the two written now")
            #expect(first.text.contains(#"href="/rejected?spool=events&amp;page=2">Older</a>"#))
            let second = try await ops.get("/rejected?spool=events&page=2")
            #expect(second.text.matches(of: #/<h3><code>/#).count == 7 && second.text.contains("f01.jsonl"))
            let link = try await ops.get("/rejected/raw?spool=events&file=link.jsonl")
            #expect(link.status == 200 && !link.text.contains("root:"))
            let long = try await ops.get("/rejected/raw?spool=events&file=long.jsonl")
            #expect(long.text.contains("line 200\n") == false && long.text.contains("line 200</pre>"))
            #expect(!long.text.contains("line 201") && long.text.contains("Cut at 200 lines"))
        }
    }
}

/// A number the probe reads and the test changes.
final class AtomicCounter: Sendable {
    private let storage: Mutex<Int>
    init(_ value: Int) { storage = Mutex(value) }
    var value: Int {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
