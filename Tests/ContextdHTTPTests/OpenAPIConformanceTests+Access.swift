import ContextdEvents
import ContextdTestSupport
import Foundation
import HTTPTypes
import Testing

/// What docs/openapi.json promises of every operation alike, driven from the document itself:
/// `x-access-level` (a token one level below is refused with 403 `forbidden`, one at the level
/// is not), the Host check (421 for a cookie), Origin and CSRF on every POST, the redirect to
/// sign-in, and the public operations. A new page needs its entry in the document, no test code.
extension OpenAPIConformanceTests {
    static let levelBelow = ["lease": "read", "admin": "lease"]

    static func sharedRefusals(_ api: OpenAPIExchange) async throws {
        let ops = try await api.signIn(admin)
        for operation in api.contract.operations.sorted() {
            let parts = operation.split(separator: " ").map(String.init)
            let method = HTTPRequest.Method(parts[0])!
            let (template, statuses) = (parts[1], api.contract.statuses(parts[0], parts[1]))
            let uri = requestURI(api.contract, parts[0], template)
            let level = api.contract.accessLevel(parts[0], template)
            let isPublic = api.contract.security(parts[0], template) == .list([])
            #expect(level != nil, "\(operation): x-access-level")
            if let level, let below = levelBelow[level] {
                try await api.send(method, uri, token: tokenOfLevel[below], expect: 403, code: "forbidden")
            }
            if let level, let token = tokenOfLevel[level] {
                // Whatever it answers a request without a body (400, 404, 200, …) is documented, and not a refusal.
                let allowed = try await api.send(method, uri, token: token, expect: nil)
                #expect(![401, 403].contains(allowed.status), "\(operation) at its level '\(level)'")
            }
            if level == "none" && method == .get {
                try await api.send(method, uri, token: nil, expect: 200)
            }
            if statuses.contains(421) {
                try await api.send(method, uri, token: nil, session: ops, host: OpenAPIExchange.foreignHost, expect: 421,
                    code: "misdirected_request")
            }
            if method == .post && statuses.contains(403) {
                try await api.send(method, uri, token: nil, session: ops, csrf: ops.csrf, origin: "http://evil.example",
                    expect: 403, code: "cross_origin")
                if !isPublic { try await api.send(method, uri, token: nil, session: ops, expect: 403, code: "csrf") }
            }
            if api.contract.operation(parts[0], template)["tags"] == .list([.string("console")]) && !isPublic {
                let redirect = try await api.send(method, uri, token: nil, expect: 303)
                #expect(redirect.headers[.location] == "/sign-in", "\(operation)")
                if method == .get { try await api.send(method, uri, token: nil, session: ops, expect: 200) }
            }
        }
    }

    /// A request path for a documented operation: each path parameter its `example` (else a
    /// task that does not exist), each required query parameter its `example`.
    static func requestURI(_ contract: OpenAPIContract, _ method: String, _ template: String) -> String {
        let parameters = (contract.document["paths"][template]["parameters"].listValue ?? [])
            + (contract.operation(method, template)["parameters"].listValue ?? [])
        var path = template
        var query: [String] = []
        for parameter in parameters {
            let name = parameter["name"].stringValue ?? ""
            let example = parameter["example"].stringValue
            if parameter["in"] == .string("path") {
                path = path.replacingOccurrences(of: "{\(name)}", with: example ?? "t-none")
            } else if parameter["in"] == .string("query"), parameter["required"] == .bool(true) {
                query.append(name + "=" + (example ?? "x"))
            }
        }
        return query.isEmpty ? path : path + "?" + query.joined(separator: "&")
    }
}
