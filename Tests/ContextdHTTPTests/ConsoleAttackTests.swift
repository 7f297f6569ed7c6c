import ContextdEvents
import ContextdHTTP
import ContextdStore
import Foundation
import Synchronization
import HTTPTypes
import Testing

/// What a hostile page, a holder of a lesser token or a crafted link tries against the
/// console and the API, each refused (the security review of issue 18), against a real server
/// on a loopback port.
@Suite struct ConsoleAttackTests {
    static let admin = "s3cret-admin-0123456789ab"
    static let reader = "s3cret-read-0123456789abc"
    static let fraud = "s3cret-fraud-0123456789ab"
    static let tokens = [
        AccessToken(name: "ops", secret: admin, assignees: [""], access: .admin),
        AccessToken(name: "viewer", secret: reader, assignees: [""], access: .read),
        AccessToken(name: "fraud-desk", secret: fraud, assignees: ["queue:fraud"], access: .admin),
    ]
    static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// A lease is a GET that changes state: an `<img src="http://127.0.0.1:8470/v1/tasks">` on
    /// any page would lease an open loopback listener's tasks away (no credential needed, and
    /// the Host is right). The browser's `Sec-Fetch-Site` gives it away; a program sends none.
    @Test func aLeaseOrReleaseFromAnotherSitesPageIsRefusedAndLeasesNothing() async throws {
        let open = try APIHarness()
        try open.publish([APIHarness.task("t-1")])
        try await open.withServer { port in
            let local = ConsoleBrowser(port: port, host: "127.0.0.1:\(port)")
            for site in ["cross-site", "same-site"] {
                let lease = try await local.send(.get, "/v1/tasks?limit=10", headers: [Self.fetchSite: site])
                #expect(lease.status == 403 && lease.json.errorCode == "cross_origin", "\(site)")
                #expect(lease.text.contains("Sec-Fetch-Site: \(site)"))
                let release = try await local.send(.post, "/v1/tasks/t-1/release", headers: [Self.fetchSite: site])
                #expect(release.status == 403 && release.json.errorCode == "cross_origin", "\(site)")
            }
            // Nothing was leased by the refused requests: a program (no Sec-Fetch-Site) gets the task.
            let program = try await local.get("/v1/tasks?limit=10")
            #expect(program.status == 200 && program.text.contains(#""id":"t-1""#))
        }
        let events = open.observer.events.withLock { $0 }
        #expect(events == ["leased t-1 by anonymous"])
    }

    /// With tokens, a lease made with the console's cookie (never the console's own doing)
    /// needs the session's CSRF token, as a POST does; the console's own forms still work.
    @Test func aLeaseWithTheSessionCookieNeedsItsCSRFTokenAndSameOriginFormsStillWork() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try harness.publish([APIHarness.task("t-1"), APIHarness.task("t-2")])
        try await harness.deadLetterAll()
        try await harness.withServer { port in
            let browser = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            let csrf = try #require(browser.csrf)
            let bare = try await browser.get("/v1/tasks")
            #expect(bare.status == 403 && bare.json.errorCode == "csrf")
            let crossSite = try await browser.send(.get, "/v1/tasks", headers: [Self.fetchSite: "cross-site", Self.csrfHeader: csrf])
            #expect(crossSite.status == 403 && crossSite.json.errorCode == "cross_origin")
            #expect(try await browser.send(.get, "/v1/tasks", headers: [Self.csrfHeader: csrf]).status == 200)
            // Reading pages needs no token and a same-origin form post passes.
            #expect(try await browser.send(.get, "/dead-letters", headers: [Self.fetchSite: "cross-site"]).status == 200)
            let requeue = try await browser.send(.post, "/dead-letters/requeue", form: "task=t-2&csrf=" + csrf,
                headers: [Self.fetchSite: "same-origin", .origin: "http://127.0.0.1:\(port)"])
            #expect(requeue.status == 303 && requeue.location == "/dead-letters?requeued=t-2")
        }
    }

    /// The session table is capped; a holder of any token signing in in a loop pushes out
    /// only its own sessions, never an operator's.
    @Test func signingInInALoopEndsOnlyThatTokensOwnOldestSessions() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try await harness.withServer { port in
            let operator_ = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            let firstViewer = try await ConsoleBrowser.signedIn(port: port, secret: Self.reader)
            var cookies: [String] = []
            for _ in 0..<300 {
                let response = try await ConsoleBrowser(port: port).send(.post, "/sign-in", form: "token=" + Self.reader)
                #expect(response.status == 303)
                cookies.append(String(response.setCookie?.split(separator: ";").first?.split(separator: "=").last ?? ""))
            }
            let page = try await operator_.get("/")
            #expect(page.status == 200 && page.text.contains("<strong>ops</strong> · admin"))
            #expect(try await firstViewer.get("/").status == 303, "the viewer's own oldest session went")
            var last = ConsoleBrowser(port: port)
            last.cookie = cookies.last
            #expect(try await last.get("/").status == 200)
        }
    }

    /// A scoped token refused a task outside its prefixes is not told whose task it is.
    @Test func aRefusalOutsideTheScopeDoesNotNameTheOtherAssignee() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try harness.publish([APIHarness.task("t-sales", assignee: "sales:anna")])
        try await harness.deadLetterAll()
        try await harness.withServer { port in
            let script = ConsoleBrowser(port: port)
            let show = try await script.get("/v1/tasks/t-sales", token: Self.fraud)
            #expect(show.status == 403 && show.json.errorCode == "forbidden")
            #expect(show.text.contains("task 't-sales' is outside this token's assignees") && !show.text.contains("sales:"))
            let requeue = try await script.send(.post, "/v1/tasks/t-sales/requeue", token: Self.fraud)
            #expect(requeue.status == 403 && !requeue.text.contains("sales:"))
            let browser = try await ConsoleBrowser.signedIn(port: port, secret: Self.fraud)
            let page = try await browser.send(.post, "/dead-letters/requeue", form: "task=t-sales&csrf=" + browser.csrf!)
            #expect(page.status == 403 && !page.text.contains("sales:"))
        }
    }

    /// Only a host name, optionally with a port of digits, names the listener: trailing text
    /// after an IPv6 address or a port that is no number is another name.
    @Test func aHostWithAnythingButADigitPortAfterTheNameIs421() async throws {
        let open = try APIHarness()
        try await open.withServer { port in
            for host in ["[::1]evil.example", "[::1].evil.example:80", "localhost:80:90", "localhost:x", "localhost:",
                "127.0.0.1@evil.example", "evil.example#@localhost", "[::1"]
            {
                let status = try await ConsoleBrowser(port: port).get("/", host: host).status
                #expect(status == 421, "\(host)")
            }
            for host in ["[::1]:\(port)", "[::1]", "LOCALHOST.", "localhost.:\(port)", "127.0.0.1:\(port)"] {
                let status = try await ConsoleBrowser(port: port).get("/", host: host).status
                #expect(status == 200, "\(host)")
            }
        }
    }

    /// API answers carry task data and echo request paths: never cached, never sniffed as HTML.
    @Test func jsonAnswersAreNotCachedNorSniffed() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try harness.publish([APIHarness.task("t-1")])
        try await harness.withServer { port in
            let script = ConsoleBrowser(port: port)
            for response in [
                try await script.get("/v1/tasks", token: Self.admin),
                try await script.get("/v1/%3Cscript%3Ealert(1)%3C/script%3E", token: Self.admin),
                try await script.get("/v1/tasks"),
                try await script.get("/metrics", token: Self.reader),
            ] {
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(response.status)")
                #expect(response.headers[.cacheControl] == "no-store", "\(response.status)")
            }
        }
    }

    /// The notice after a requeue is shown for a task the caller may see, not for any text a
    /// crafted link puts in `?requeued=`.
    @Test func theRequeuedNoticeShowsOnlyATaskNotTextFromALink() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try harness.publish([APIHarness.task("t-1"), APIHarness.task("t-sales", assignee: "sales:anna")])
        try await harness.withServer { port in
            let browser = try await ConsoleBrowser.signedIn(port: port, secret: Self.fraud)
            let spoofed = try await browser.get("/dead-letters?requeued=all+tasks%3B+call+support+at+555-0100")
            #expect(spoofed.status == 200 && !spoofed.text.contains("Requeued") && !spoofed.text.contains("555-0100"))
            let outside = try await browser.get("/dead-letters?requeued=t-sales")
            #expect(!outside.text.contains("Requeued"))
            let mine = try await browser.get("/dead-letters?requeued=t-1")
            #expect(mine.text.contains(#"<p class="notice" role="status">Requeued t-1.</p>"#))
        }
    }
}
