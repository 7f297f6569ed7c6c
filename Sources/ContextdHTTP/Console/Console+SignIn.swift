import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// `GET /sign-in` (the form), `POST /sign-in` (a token in, a session cookie out) and
/// `POST /sign-out`.
///
/// The token is checked exactly like a bearer token; the session keeps its name, level and
/// prefixes, never the secret. The cookie is `HttpOnly` (no script reads it) and
/// `SameSite=Strict` (no other site's page sends it); it has no `Secure` attribute because the
/// listener speaks plain HTTP (behind a TLS proxy the browser still sends it).
extension Console {
    func registerSignIn(on router: Router<BasicRequestContext>) {
        router.get("sign-in") { request, _ in
            if gate.access.isOpen { return Self.redirect(to: "/") }
            guard gate.hosts.accepts(request.head.authority) else {
                return Self.errorPage(gate.hosts.refusal(for: request.head.authority))
            }
            return Self.html(.ok, signInPage(problem: nil))
        }
        router.post("sign-in") { request, _ in try await signIn(request) }
        router.post("sign-out") { request, _ in try await signOut(request) }
    }

    private func signIn(_ request: Request) async throws -> Response {
        if gate.access.isOpen { return Self.redirect(to: "/") }
        guard gate.hosts.accepts(request.head.authority) else {
            return Self.errorPage(gate.hosts.refusal(for: request.head.authority))
        }
        do { try gate.checkOrigin(request) } catch { return Self.errorPage(error) }
        let form = try await FormFields(request)
        guard let caller = gate.access.caller(secret: Array((form["token"] ?? "").utf8)) else {
            logger.info("console sign-in refused: no token matches")
            return Self.html(.unauthorized, signInPage(problem: "That token is not valid. Paste the whole token."))
        }
        let session = gate.sessions.open(for: caller, at: gate.now())
        logger.info("console sign-in", metadata: ["token": "\(caller.name)", "access": "\(caller.access.rawValue)"])
        return Self.redirect(to: "/", cookie: Self.sessionCookie(session.cookie))
    }

    private func signOut(_ request: Request) async throws -> Response {
        let form = try await FormFields(request)
        do {
            guard try gate.admit(request, csrfField: form["csrf"]) != nil else { return Self.redirect(to: "/sign-in") }
        } catch {
            return Self.errorPage(error)
        }
        if let cookie = Gate.sessionCookie(in: request) { gate.sessions.close(cookie: cookie) }
        return Self.redirect(to: "/sign-in", cookie: Gate.cookieName + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
    }

    static func sessionCookie(_ value: String) -> String {
        Gate.cookieName + "=" + value + "; HttpOnly; SameSite=Strict; Path=/"
    }

    private func signInPage(problem: String?) -> HTML {
        ConsoleLayout.document(title: "Sign in", section: nil, viewer: nil) {
            if let problem { HTML.element("p", [("class", "problem"), ("role", "alert")]) { problem } }
            HTML.element("form", [("method", "post"), ("action", "/sign-in"), ("class", "sign-in")]) {
                HTML.element("label", [("for", "token")]) { "Token" }
                HTML.element("input", [("id", "token"), ("name", "token"), ("type", "password"),
                    ("autocomplete", "current-password"), ("required", ""), ("autofocus", "")])
                HTML.element("button", [("type", "submit")]) { "Sign in" }
            }
            HTML.element("p", [("class", "hint")]) {
                "Use a token from http.tokens in the daemon's configuration. Its access level (read, lease, admin) "
                    + "decides what the console offers; the session ends after 12 hours without use."
            }
        }
    }
}
