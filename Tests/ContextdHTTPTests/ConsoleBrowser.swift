import ContextdEvents
import ContextdTestSupport
import Foundation
import HTTPTypes

/// A response as a browser sees it: status, headers, body text.
struct PageResponse: Sendable {
    var status: Int
    var headers: HTTPFields
    var text: String

    var setCookie: String? { headers[.setCookie] }
    var location: String? { headers[.location] }
    var contentType: String { headers[.contentType] ?? "" }

    /// The value of the first hidden `csrf` field on the page.
    var csrfField: String? {
        guard let range = text.range(of: #"name="csrf" value=""#) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }

    var json: Value { (try? JSON.parse(text)) ?? .null }
}

/// Requests as a browser makes them to the console: with a `Host` of its choice, the session
/// cookie, form bodies; or as a script with a bearer token.
struct ConsoleBrowser: Sendable {
    let port: Int
    var host = "127.0.0.1"
    var cookie: String?
    var csrf: String?

    init(port: Int, host: String = "127.0.0.1") {
        self.port = port
        self.host = host
    }

    func send(
        _ method: HTTPRequest.Method, _ uri: String, form: String? = nil, token: String? = nil,
        headers extra: HTTPFields = [:], host: String? = nil
    ) async throws -> PageResponse {
        var headers = extra
        if let cookie { headers[.cookie] = "theme=dark; contextd_session=" + cookie }
        if let token { headers[.authorization] = "Bearer " + token }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await ContextdTestSupport.exchange(
            port, method, uri, headers: headers, body: form, host: host ?? self.host)
        return PageResponse(status: response.status, headers: response.headers, text: response.text)
    }

    func get(_ uri: String, token: String? = nil, host: String? = nil) async throws -> PageResponse {
        try await send(.get, uri, token: token, host: host)
    }

    /// Signs in with `secret` through the form; the browser then holds the cookie and the
    /// page's CSRF token.
    static func signedIn(port: Int, secret: String) async throws -> ConsoleBrowser {
        var browser = ConsoleBrowser(port: port)
        let response = try await browser.send(.post, "/sign-in", form: "token=" + formEncoded(secret))
        guard response.status == 303, let cookie = response.setCookie?.split(separator: ";").first?
            .split(separator: "=", maxSplits: 1).last
        else { throw BrowserError.signInFailed(response.status, response.text) }
        browser.cookie = String(cookie)
        browser.csrf = try await browser.get("/").csrfField
        return browser
    }

    static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    enum BrowserError: Error { case signInFailed(Int, String) }
}
