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
    /// for a cookie or anonymous request to a Host that is not this listener, and 403 for a
    /// state-changing request made with a cookie whose CSRF token (`csrfField`, a form's; else
    /// the header) is wrong.
    ///
    /// `changesState` is true for every method but GET and HEAD unless the route says
    /// otherwise: a lease is a GET that changes state (SPEC §3), so an `<img>` on any page
    /// could otherwise lease a loopback listener's tasks away without a credential.
    func admit(_ request: Request, csrfField: String? = nil, changesState: Bool? = nil) throws(APIError) -> Admitted? {
        let changesState = changesState ?? (request.method != .get && request.method != .head)
        if let header = request.headers[.authorization], !access.isOpen {
            // A bearer request never falls back to the cookie: a wrong token is a 401.
            return access.caller(authorization: header).map { Admitted(caller: $0, csrf: nil) }
        }
        if access.isOpen {
            guard hosts.accepts(request.head.authority) else { throw hosts.refusal(for: request.head.authority) }
            try checkOrigin(request, changesState: changesState)
            return Admitted(caller: .anonymous, csrf: nil)
        }
        guard let cookie = Self.sessionCookie(in: request),
            let (caller, csrf) = sessions.session(cookie: cookie, at: now())
        else { return nil }
        guard hosts.accepts(request.head.authority) else { throw hosts.refusal(for: request.head.authority) }
        try checkOrigin(request, changesState: changesState)
        if changesState {
            let presented = csrfField ?? request.headers[Self.csrfHeader] ?? ""
            guard AccessControl.constantTimeEquals(Array(csrf.utf8), Array(presented.utf8)) else {
                throw APIError(.forbidden, "csrf",
                    "this request came with the console's session cookie but without its CSRF token (form field "
                        + "'csrf' or header X-CSRF-Token); reload the page and try again")
            }
        }
        return Admitted(caller: caller, csrf: csrf)
    }

    /// Refuses a state-changing request that a browser sent from a page of another origin: the
    /// `Origin` a browser adds to a cross-site POST names that site, and `Sec-Fetch-Site` (sent
    /// by browsers on every request, GETs and `<img>` loads included) says `cross-site` or
    /// `same-site` — the latter for a page on another port of the same host, which `Origin`
    /// cannot tell apart since only host names are compared. Programs (CRMs, curl) send
    /// neither header and are not affected; an anonymous listener's lease, ack and release,
    /// which carry no CSRF token, are kept from other sites' pages this way.
    func checkOrigin(_ request: Request, changesState: Bool? = nil) throws(APIError) {
        guard changesState ?? (request.method != .get && request.method != .head) else { return }
        if let site = request.headers[Self.fetchSite], site != "same-origin", site != "none" {
            throw APIError(.forbidden, "cross_origin",
                "a page from another origin (Sec-Fetch-Site: \(site)) may not make changes here; "
                    + "use the console at this listener's own address")
        }
        guard let origin = request.headers[.origin] else { return }
        let authority = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
        guard let authority, hosts.accepts(authority) else {
            throw APIError(.forbidden, "cross_origin",
                "a page from \(origin) may not make changes here; use the console at this listener's own address")
        }
    }

    static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// The caller of an API request allowed at `level`: 401 without a credential, 403 below it.
    func caller(
        _ request: Request, needs level: AccessLevel, for what: String, changesState: Bool? = nil
    ) throws(APIError) -> Caller {
        guard let admitted = try admit(request, changesState: changesState) else { throw APIError.unauthorized }
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
