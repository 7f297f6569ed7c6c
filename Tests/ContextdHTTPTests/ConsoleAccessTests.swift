import ContextdEvents
import ContextdHTTP
import ContextdStore
import ContextdTestSupport
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// Access levels (`read` < `lease` < `admin`) on the API and the console, and token scopes on
/// console pages.
@Suite struct ConsoleAccessTests {
    static let admin = "s3cret-admin-0123456789ab"
    static let crm = "s3cret-crm-0123456789abcd"
    static let reader = "s3cret-read-0123456789abc"
    static let fraud = "s3cret-fraud-0123456789ab"
    static let tokens = [
        AccessToken(name: "ops", secret: admin, assignees: [""], access: .admin),
        AccessToken(name: "crm", secret: crm, assignees: [""]),
        AccessToken(name: "viewer", secret: reader, assignees: [""], access: .read),
        AccessToken(name: "fraud-ops", secret: fraud, assignees: ["queue:fraud"], access: .admin),
    ]

    @Test func aReadTokenIsRefusedRequeueOnTheAPIAndTheConsoleAndAnAdminRequeuesLogged() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try harness.publish([APIHarness.task("t-a"), APIHarness.task("t-b")])
        try await harness.deadLetterAll()
        try await harness.withServer { port in
            let refused = try await request(port, .post, "/v1/tasks/t-a/requeue", token: Self.reader)
            #expect(refused.status == 403)
            #expect(refused.text.contains(#"requeuing a dead letter needs access 'admin'; token 'viewer' has 'read'"#))
            let lease = try await request(port, .post, "/v1/tasks/t-a/requeue", token: Self.crm)
            #expect(lease.status == 403 && lease.text.contains("token 'crm' has 'lease'"))
            let leasing = try await request(port, .get, "/v1/tasks", token: Self.reader)
            #expect(leasing.status == 403 && leasing.text.contains("leasing tasks needs access 'lease'"))
            #expect(try await request(port, .get, "/v1/dead-letters", token: Self.reader).status == 403)
            for path in ["/healthz", "/readyz", "/metrics"] {
                #expect(try await request(port, .get, path, token: Self.reader).status == 200, "\(path)")
            }

            let viewer = try await ConsoleBrowser.signedIn(port: port, secret: Self.reader)
            let page = try await viewer.get("/dead-letters")
            #expect(page.status == 200 && page.text.contains("<code>t-a</code>"))
            #expect(!page.text.contains("Requeue</button>"))
            #expect(page.text.contains("Requeuing needs a token with access &#39;admin&#39;."))
            let posted = try await viewer.send(.post, "/dead-letters/requeue", form: "task=t-a&csrf=" + viewer.csrf!)
            #expect(posted.status == 403)
            #expect(posted.text.contains("requeuing a dead letter needs access &#39;admin&#39;; token &#39;viewer&#39; has &#39;read&#39;"))
            #expect(!harness.logs.all.contains { $0.contains("admin action") })

            let api = try await request(port, .post, "/v1/tasks/t-a/requeue", token: Self.admin)
            #expect(api.status == 200 && api["delivery"] == .string("queued"))
            let ops = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            let form = try await ops.get("/dead-letters")
            #expect(form.text.contains(#"<form method="post" action="/dead-letters/requeue"><input type="hidden" name="csrf" value="\#(ops.csrf!)"><input type="hidden" name="task" value="t-b">"#))
            #expect(!form.text.contains("<code>t-a</code>"), "t-a is queued again")
            let done = try await ops.send(.post, "/dead-letters/requeue", form: "task=t-b&csrf=" + ops.csrf!)
            #expect(done.status == 303)
            #expect(try await ops.get("/dead-letters?requeued=t-b").text.contains("Requeued t-b."))
        }
        let actions = harness.logs.all.filter { $0.contains("admin action") }
        #expect(actions == [
            "notice admin action action=requeue task=t-a token=ops",
            "notice admin action action=requeue task=t-b token=ops via=console",
        ])
        #expect(!harness.logs.all.contains { line in Self.tokens.contains { line.contains(String(decoding: $0.secret, as: UTF8.self)) } })
        #expect(harness.observer.events.withLock { $0 }.filter { $0.hasPrefix("requeued") } == ["requeued t-a", "requeued t-b"])
    }

    @Test func aScopedTokenSeesOnlyItsPrefixesDeadLettersAndCannotRequeueOthers() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try harness.publish([
            APIHarness.task("t-fraud-1", assignee: "queue:fraud"), APIHarness.task("t-fraud-2", assignee: "queue:fraud:eu"),
            APIHarness.task("t-sales", assignee: "sales:anna"),
        ])
        try await harness.deadLetterAll()
        try await harness.withServer { port in
            let fraud = try await ConsoleBrowser.signedIn(port: port, secret: Self.fraud)
            let page = try await fraud.get("/dead-letters")
            #expect(page.text.contains("<code>t-fraud-1</code>") && page.text.contains("<code>t-fraud-2</code>"))
            #expect(!page.text.contains("t-sales") && !page.text.contains("sales:anna"))
            let outside = try await fraud.send(.post, "/dead-letters/requeue", form: "task=t-sales&csrf=" + fraud.csrf!)
            #expect(outside.status == 403 && outside.text.contains("outside this token&#39;s assignees"))
            let everything = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin).get("/dead-letters")
            #expect(everything.text.contains("<code>t-sales</code>"))
        }
    }

    @Test func rawLinesOfRejectedInputAreForAdminsOnlyAndEachViewIsLogged() async throws {
        var harness = try APIHarness(tokens: Self.tokens)
        let rejected = harness.directory + "/spool/cards/rejected"
        try FileManager.default.createDirectory(atPath: rejected, withIntermediateDirectories: true)
        let card = "4111111111111111"
        try #"{"id":"e1","pan":"\#(card)"} oops"#.write(toFile: rejected + "/0001-bad.json", atomically: true, encoding: .utf8)
        try #"{"error":"'0001-bad.json' is not JSON at line 1","file":"0001-bad.json","rejected_at":"2026-11-23T08:00:00Z"}"#
            .write(toFile: rejected + "/0001-bad.json.error.json", atomically: true, encoding: .utf8)
        try #"{"line":3,"error":"missing attribute 'type'","raw":"{\"pan\":\"\#(card)\"}"}"# .appending("\n")
            .write(toFile: rejected + "/0002-mixed.jsonl.errors.jsonl", atomically: true, encoding: .utf8)
        harness.rejectedInput = RejectedInputSource(spools: [.init(name: "cards", rejectedPath: rejected)])
        try await harness.withServer { port in
            let crm = try await ConsoleBrowser.signedIn(port: port, secret: Self.crm)
            let list = try await crm.get("/rejected")
            #expect(list.status == 200)
            #expect(list.text.contains("&#39;0001-bad.json&#39; is not JSON at line 1"))
            #expect(list.text.contains("<li>line 3: missing attribute &#39;type&#39;</li>"))
            #expect(!list.text.contains(card) && !list.text.contains("/rejected/raw"))
            let raw = try await crm.get("/rejected/raw?spool=cards&file=0002-mixed.jsonl")
            #expect(raw.status == 403 && !raw.text.contains(card))
            #expect(raw.text.contains("raw lines of rejected input need access &#39;admin&#39;; token &#39;crm&#39; has &#39;lease&#39;"))
            #expect(try await ConsoleBrowser.signedIn(port: port, secret: Self.reader)
                .get("/rejected/raw?spool=cards&file=0001-bad.json").status == 403)

            let ops = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            #expect(try await ops.get("/rejected").text.contains(#"href="/rejected/raw?spool=cards&amp;file=0001-bad.json""#))
            let whole = try await ops.get("/rejected/raw?spool=cards&file=0001-bad.json")
            #expect(whole.status == 200 && whole.text.contains(card))
            let lines = try await ops.get("/rejected/raw?spool=cards&file=0002-mixed.jsonl")
            #expect(lines.text.contains("3: {&quot;pan&quot;:&quot;\(card)&quot;}"))
            #expect(try await ops.get("/rejected/raw?spool=cards&file=../../contextd.sqlite").status == 404)
        }
        #expect(harness.logs.all.filter { $0.contains("admin action") } == [
            "notice admin action action=view rejected raw lines file=0001-bad.json spool=cards token=ops",
            "notice admin action action=view rejected raw lines file=0002-mixed.jsonl spool=cards token=ops",
        ])
    }
}
