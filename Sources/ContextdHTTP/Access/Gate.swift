import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// Decides who a request comes from and whether it may do what it asks, the same way for the
/// task API, the operations endpoints and the console.
///
/// A request proves itself by a bearer token (`Authorization`), by a console session cookie,
/// or — with no tokens configured — not at all (anonymous). Credentials the browser sends on
/// its own (the cookie) and no credential at all are exposed to cross-site requests and DNS
/// rebinding, so those requests must name this listener in `Host` (``HostCheck``), and their
/// state-changing requests must carry the session's CSRF token.
struct Gate: Sendable {
    let access: AccessControl
    let sessions: SessionTable
    let hosts: HostCheck
    let now: @Sendable () -> Timestamp

    static let cookieName = "contextd_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// A caller, and the session's CSRF token when the caller came by cookie.
    struct Admitted: Sendable {
        var caller: Caller
        var csrf: String?
    }

    /// The caller of `request`, or nil when it brings no valid credential and tokens are
    /// configured (the API answers 401, the console sends the browser to sign in). Throws 421
    /// for a cookie or anonymous request to a Host that is not this listener, and 403 for a POST
    /// made with a cookie whose CSRF token (`csrfField`, a form's; else the header) is wrong.
    func admit(_ request: Request, csrfField: String? = nil) throws(APIError) -> Admitted? {
        if let header = request.headers[.authorization], !access.isOpen {
            // A bearer request never falls back to the cookie: a wrong token is a 401.
            return access.caller(authorization: header).map { Admitted(caller: $0, csrf: nil) }
        }
        if access.isOpen {
            guard hosts.accepts(request.head.authority) else { throw hosts.refusal(for: request.head.authority) }
            try checkOrigin(request)
            return Admitted(caller: .anonymous, csrf: nil)
        }
        guard let cookie = Self.sessionCookie(in: request),
            let (caller, csrf) = sessions.session(cookie: cookie, at: now())
        else { return nil }
        guard hosts.accepts(request.head.authority) else { throw hosts.refusal(for: request.head.authority) }
        try checkOrigin(request)
        if request.method != .get && request.method != .head {
            let presented = csrfField ?? request.headers[Self.csrfHeader] ?? ""
            guard AccessControl.constantTimeEquals(Array(csrf.utf8), Array(presented.utf8)) else {
                throw APIError(.forbidden, "csrf",
                    "this request came with the console's session cookie but without its CSRF token (form field "
                        + "'csrf' or header X-CSRF-Token); reload the page and try again")
            }
        }
        return Admitted(caller: caller, csrf: csrf)
    }

    /// Refuses a state-changing request that a browser sent from a page of another site: the
    /// `Origin` a browser adds to a cross-site POST names that site. Programs (CRMs, curl) send
    /// no `Origin` and are not affected; an anonymous listener's ack and release, which carry no
    /// CSRF token, are kept from other sites' pages this way.
    func checkOrigin(_ request: Request) throws(APIError) {
        guard request.method != .get, request.method != .head, let origin = request.headers[.origin] else { return }
        let authority = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
        guard let authority, hosts.accepts(authority) else {
            throw APIError(.forbidden, "cross_origin",
                "a page from \(origin) may not make changes here; use the console at this listener's own address")
        }
    }

    /// The caller of an API request allowed at `level`: 401 without a credential, 403 below it.
    func caller(_ request: Request, needs level: AccessLevel, for what: String) throws(APIError) -> Caller {
        guard let admitted = try admit(request) else { throw APIError.unauthorized }
        try admitted.caller.require(level, for: what)
        return admitted.caller
    }

    /// The value of the `contextd_session` cookie, if the request has one.
    static func sessionCookie(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == cookieName else { continue }
                return String(trimmed[trimmed.index(after: equals)...])
            }
        }
        return nil
    }
}
