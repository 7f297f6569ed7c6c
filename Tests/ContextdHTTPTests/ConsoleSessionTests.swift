import ContextdEvents
import ContextdHTTP
import ContextdStore
import ContextdTestSupport
import Foundation
import HTTPTypes
import Testing

/// Browser sign-in, the session cookie, CSRF tokens and the Host check (docs/operations.md,
/// "Console"), against a real server on a loopback port.
@Suite struct ConsoleSessionTests {
    static let admin = "s3cret-admin-0123456789ab"
    static let reader = "s3cret-read-0123456789abc"
    static let tokens = [
        AccessToken(name: "ops", secret: admin, assignees: [""], access: .admin),
        AccessToken(name: "viewer", secret: reader, assignees: [""], access: .read),
    ]

    @Test func signingInSetsAnHttpOnlySameSiteStrictCookieAndTheFormHasAPasswordField() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try await harness.withServer { port in
            let browser = ConsoleBrowser(port: port)
            let form = try await browser.get("/sign-in")
            #expect(form.status == 200 && form.contentType == "text/html; charset=utf-8")
            #expect(form.text.contains(#"<input id="token" name="token" type="password""#))
            #expect(form.text.contains(#"<label for="token">Token</label>"#))
            // Before sign-in a page sends the browser to the form.
            let before = try await browser.get("/dead-letters")
            #expect(before.status == 303 && before.location == "/sign-in")

            let response = try await browser.send(.post, "/sign-in", form: "token=" + Self.admin)
            #expect(response.status == 303 && response.location == "/")
            let cookie = try #require(response.setCookie)
            let pattern = #/^contextd_session=([A-Za-z0-9_-]{43}); HttpOnly; SameSite=Strict; Path=/$/#
            let value = try #require(try pattern.wholeMatch(in: cookie)).1
            #expect(!cookie.contains(Self.admin))

            var signedIn = browser
            signedIn.cookie = String(value)
            let overview = try await signedIn.get("/")
            #expect(overview.status == 200)
            #expect(overview.text.contains("<strong>ops</strong> · admin"))
            #expect(overview.text.contains(#"<form method="post" action="/sign-out" class="inline">"#))
            // A second sign-in is another session with another cookie.
            let again = try await browser.send(.post, "/sign-in", form: "token=" + Self.admin)
            #expect(again.setCookie != cookie)
        }
    }

    @Test func aWrongTokenIsRefusedAndSetsNoCookie() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try await harness.withServer { port in
            let browser = ConsoleBrowser(port: port)
            for guess in [String(Self.admin.dropLast()) + "c", String(Self.admin.dropLast()), "", Self.admin + "x"] {
                let response = try await browser.send(.post, "/sign-in", form: "token=" + guess)
                #expect(response.status == 401, "'\(guess)'")
                #expect(response.setCookie == nil)
                #expect(response.text.contains("That token is not valid."))
                #expect(!response.text.contains(Self.admin))
            }
            // A made-up cookie is no session.
            var forged = browser
            forged.cookie = String(repeating: "A", count: 43)
            #expect(try await forged.get("/").status == 303)
        }
    }

    @Test func aPostWithTheCookieButWithoutTheRightCSRFTokenIs403() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try harness.publish([APIHarness.task("t-poison")])
        try await harness.deadLetterAll()
        try await harness.withServer { port in
            let browser = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            let csrf = try #require(browser.csrf)
            #expect(csrf.count == 43 && csrf != browser.cookie)
            for form in ["task=t-poison", "task=t-poison&csrf=", "task=t-poison&csrf=" + String(csrf.dropLast()) + "x",
                "task=t-poison&csrf=" + browser.cookie!]
            {
                let refused = try await browser.send(.post, "/dead-letters/requeue", form: form)
                #expect(refused.status == 403, "form '\(form)'")
                #expect(refused.text.contains("without its CSRF token"))
            }
            // The API takes the cookie too (the console's script), with the token in a header.
            let noHeader = try await browser.send(.post, "/v1/tasks/t-poison/requeue")
            #expect(noHeader.status == 403 && noHeader.json.errorCode == "csrf")
            // A page of another site is refused even with the right token (its Origin says so).
            let crossSite = try await browser.send(.post, "/dead-letters/requeue", form: "task=t-poison&csrf=" + csrf,
                headers: [.origin: "https://evil.example"])
            #expect(crossSite.status == 403 && crossSite.text.contains("a page from https://evil.example may not make changes"))
            let signOut = try await browser.send(.post, "/sign-out", form: "csrf=wrong")
            #expect(signOut.status == 403)
            #expect(try await harness.store.deadLetters(
                assigneePrefixes: [""], limit: 10, terms: harness.settings.lease, at: harness.clock.now).count == 1)

            let requeued = try await browser.send(.post, "/dead-letters/requeue", form: "task=t-poison&csrf=" + csrf,
                headers: [.origin: "http://127.0.0.1:\(port)"])
            #expect(requeued.status == 303 && requeued.location == "/dead-letters?requeued=t-poison")
            #expect(try await harness.store.deadLetters(
                assigneePrefixes: [""], limit: 10, terms: harness.settings.lease, at: harness.clock.now).isEmpty)

            let out = try await browser.send(.post, "/sign-out", form: "csrf=" + csrf)
            #expect(out.status == 303 && out.location == "/sign-in")
            #expect(out.setCookie == "contextd_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
            #expect(try await browser.get("/").status == 303, "the session is gone")
        }
    }

    @Test func aSessionEndsAfter12HoursIdle() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try await harness.withServer { port in
            let browser = try await ConsoleBrowser.signedIn(port: port, secret: Self.reader)
            harness.clock.advance(.hours(11))
            #expect(try await browser.get("/").status == 200, "used after 11 h: still signed in, and touched")
            harness.clock.advance(.hours(11))
            #expect(try await browser.get("/").status == 200, "11 h after its last use")
            harness.clock.advance(.hours(12) + .seconds(1))
            let expired = try await browser.get("/")
            #expect(expired.status == 303 && expired.location == "/sign-in")
        }
    }

    @Test func aForeignHostIs421ForCookieAndAnonymousRequestsButNotForBearerOnes() async throws {
        var harness = try APIHarness(tokens: Self.tokens)
        harness.settings.consoleHosts = ["contextd.example.internal"]
        try harness.publish([APIHarness.task("t-1")])
        try await harness.withServer { port in
            let browser = try await ConsoleBrowser.signedIn(port: port, secret: Self.admin)
            let page = try await browser.get("/", host: "evil.example:\(port)")
            #expect(page.status == 421 && page.contentType.hasPrefix("text/html"))
            #expect(page.text.contains("Host &#39;evil.example&#39; does not name this listener; accepted host names: "
                + "127.0.0.1, localhost, [::1], contextd.example.internal"))
            #expect(page.text.contains("http.console_hosts"))
            let api = try await browser.get("/v1/tasks/t-1", host: "evil.example")
            #expect(api.status == 421 && api.json.errorCode == "misdirected_request")
            let signIn = try await ConsoleBrowser(port: port).send(
                .post, "/sign-in", form: "token=" + Self.admin, host: "rebound.example")
            #expect(signIn.status == 421 && signIn.setCookie == nil)
            // The name counts, not the port (an SSH tunnel forwards another one).
            #expect(try await browser.get("/", host: "localhost:18470").status == 200)
            #expect(try await browser.get("/", host: "[::1]:8470").status == 200)
            #expect(try await browser.get("/", host: "CONTEXTD.example.internal").status == 200)
            // A bearer token is no ambient credential: no Host check.
            let bearer = ConsoleBrowser(port: port, host: "evil.example")
            #expect(try await bearer.get("/v1/tasks/t-1", token: Self.admin).status == 200)
            #expect(try await bearer.get("/", token: Self.reader).status == 200)
        }

        let open = try APIHarness()
        try open.publish([APIHarness.task("t-2")])
        try await open.withServer { port in
            let anonymous = ConsoleBrowser(port: port, host: "evil.example")
            #expect(try await anonymous.get("/").status == 421)
            let lease = try await anonymous.get("/v1/tasks")
            #expect(lease.status == 421 && lease.json.errorCode == "misdirected_request")
            let local = ConsoleBrowser(port: port, host: "localhost:\(port)")
            // Without tokens an ack carries no CSRF token: another site's page is told apart by its Origin.
            let forged = try await local.send(.post, "/v1/tasks/t-2/release", headers: [.origin: "http://evil.example"])
            #expect(forged.status == 403 && forged.json.errorCode == "cross_origin")
            #expect(try await local.send(.post, "/v1/tasks/t-2/release", headers: [.origin: "null"]).status == 403)
            #expect(try await local.get("/v1/tasks").status == 200)
            let page = try await local.get("/")
            #expect(page.status == 200 && page.text.contains("anonymous · read-only (no tokens configured)"))
            #expect(!page.text.contains("/sign-out"))
        }
    }
}

extension Value {
    var errorCode: String? {
        guard case .object(let root) = self, case .object(let error)? = root["error"], case .string(let code)? = error["code"]
        else { return nil }
        return code
    }
}
