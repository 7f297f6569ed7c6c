import ContextdEvents
import ContextdTestSupport
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// The documented (operation, status) pairs a test produced, across the servers it ran.
final class SeenResponses: Sendable {
    let pairs = Mutex<Set<String>>([])
}

/// A console session as a browser holds it: the cookie's value and the page's CSRF token.
struct Session: Sendable {
    var cookie: String
    var csrf: String
}

/// Sends requests to one server as a CRM (bearer token, JSON) or a browser (session cookie,
/// form, Host, Origin) would, checks each response against docs/openapi.json, and notes which
/// documented (operation, status) pair it was.
struct OpenAPIExchange: Sendable {
    let port: Int
    let contract: OpenAPIContract
    let seen: SeenResponses

    /// Not this listener's name: the DNS-rebinding case the Host check refuses.
    static let foreignHost = "evil.example"

    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = OpenAPIConformanceTests.fraud,
        body: String? = nil, form: String? = nil, session: Session? = nil, csrf: String? = nil, origin: String? = nil,
        host: String = "127.0.0.1", expect status: Int?, code: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> APIResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer " + token }
        if let session { headers[.cookie] = "contextd_session=" + session.cookie }
        if let csrf { headers[HTTPField.Name("X-CSRF-Token")!] = csrf }
        if let origin { headers[.origin] = origin }
        if body != nil { headers[.contentType] = "application/json" }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await ContextdTestSupport.exchange(port, method, uri, headers: headers, body: body ?? form, host: host)
        if let status {
            #expect(response.status == status, "\(method) \(uri): \(response.text)", sourceLocation: sourceLocation)
        }
        if let code { #expect(response.code == code, "\(method) \(uri): \(response.text)", sourceLocation: sourceLocation) }
        let problems = contract.problems(
            method: method.rawValue, path: uri, status: response.status, contentType: response.contentType,
            body: response.text, headers: response.headers)
        #expect(problems == [], sourceLocation: sourceLocation)
        if let template = contract.template(of: String(uri.prefix { $0 != "?" })) {
            _ = seen.pairs.withLock { $0.insert("\(method.rawValue) \(template) \(response.status)") }
        }
        return response
    }

    /// Signs in through the form (a 303 with the cookie), then reads the CSRF token off the overview.
    func signIn(_ secret: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Session {
        let signedIn = try await send(.post, "/sign-in", token: nil, form: "token=" + ConsoleBrowser.formEncoded(secret), expect: 303,
            sourceLocation: sourceLocation)
        #expect(signedIn.headers[.location] == "/", sourceLocation: sourceLocation)
        let cookie = signedIn.headers[.setCookie]?.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last
        var session = Session(cookie: cookie.map(String.init) ?? "", csrf: "")
        let page = try await send(.get, "/", token: nil, session: session, expect: 200, sourceLocation: sourceLocation)
        if let range = page.text.range(of: #"name="csrf" value=""#) {
            session.csrf = String(page.text[range.upperBound...].prefix { $0 != "\"" })
        }
        #expect(!session.cookie.isEmpty && !session.csrf.isEmpty, sourceLocation: sourceLocation)
        return session
    }
}
