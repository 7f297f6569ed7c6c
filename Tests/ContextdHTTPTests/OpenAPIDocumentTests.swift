import ContextdEvents
@testable import ContextdHTTP
import ContextdTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Testing

/// docs/openapi.json against the server's router and against itself: every route the server
/// answers is documented and nothing else is, every object schema is strict, and the server
/// serves exactly the repository's file.
@Suite struct OpenAPIDocumentTests {

    /// `GET /v1/tasks/{id}`, … : every route of the router the daemon runs.
    static func routes(of harness: APIHarness) -> Set<String> {
        let server = APIServer(
            host: "127.0.0.1", port: 0, store: harness.store, settings: harness.settings, signal: harness.signal,
            observer: nil, probe: OperationsProbe(notReadyReasons: { [] }, metrics: { "" }),
            logger: Logger(label: "contextd-openapi-test"), now: { harness.clock.now })
        return Set(server.makeRouter().routes.map { "\($0.method) \($0.path)" })
    }

    @Test func theRoutesTheServerAnswersAreExactlyTheDocumentedOperations() throws {
        let routes = Self.routes(of: try APIHarness())
        let documented = try OpenAPIContract.load().operations
        // Hummingbird spells a captured segment `{id}`, as OpenAPI does.
        #expect(routes.contains("GET /v1/tasks/{id}"))
        let undocumented = routes.subtracting(documented)
        #expect(undocumented.isEmpty, """
            routes the server answers that docs/openapi.json does not document: \(undocumented.sorted()); \
            add each to "paths" (a console page: tag "console", an operationId, "x-access-level", and responses \
            200, 303 and 421 as $refs to #/components/responses/Page, SignInRedirect and MisdirectedPage; \
            OpenAPIConformanceTests then drives them)
            """)
        let unrouted = documented.subtracting(routes)
        #expect(unrouted.isEmpty, "documented operations the server does not answer: \(unrouted.sorted())")
    }

    @Test func everyObjectSchemaIsStrict() throws {
        let contract = try OpenAPIContract.load()
        var objects = 0
        var problems: [String] = []
        func visit(_ node: Value, at path: String) {
            switch node {
            case .object(let keywords):
                if keywords["nullable"] != nil { problems.append("\(path): 'nullable' is OpenAPI 3.0; use a type list") }
                if Self.isObjectSchema(keywords) {
                    objects += 1
                    problems += Self.strictness(keywords, at: path)
                }
                for (key, child) in keywords { visit(child, at: path + "/" + key) }
            case .list(let items):
                for (index, item) in items.enumerated() { visit(item, at: "\(path)/\(index)") }
            default: break
            }
        }
        visit(contract.document["paths"], at: "#/paths")
        visit(contract.document["components"], at: "#/components")
        #expect(problems == [])
        #expect(objects >= 30, "the walk found \(objects) object schemas: it must have missed some")
    }

    /// A schema whose `type` is or includes `object`.
    static func isObjectSchema(_ keywords: [String: Value]) -> Bool {
        switch keywords["type"] {
        case .string("object")?: true
        case .list(let types)?: types.contains(.string("object"))
        default: false
        }
    }

    /// A record (it has `properties`): every property required — a field with no value is
    /// `null`, never absent — and `additionalProperties: false`. A map (no `properties`): its
    /// values' schema in `additionalProperties`.
    static func strictness(_ keywords: [String: Value], at path: String) -> [String] {
        guard let properties = keywords["properties"]?.objectValue else {
            if case .object? = keywords["additionalProperties"] { return [] }
            return ["\(path): an object schema needs properties, or additionalProperties giving a map's values"]
        }
        var problems: [String] = []
        if keywords["additionalProperties"] != .bool(false) { problems.append("\(path): additionalProperties is not false") }
        let required = Set((keywords["required"]?.listValue ?? []).compactMap(\.stringValue))
        if keywords["required"] == nil { problems.append("\(path): no 'required'") }
        let names = Set(properties.keys)
        if required != names {
            problems.append("\(path): required \(required.sorted()) differs from the properties \(names.sorted())")
        }
        return problems
    }

    /// Each operation is tagged, names its access level, and documents the refusals its kind
    /// can meet: the API's 401 and 421 (and 403 where a level or scope can refuse), a console
    /// page's redirect to sign-in and 421, none for the public assets.
    @Test func everyOperationIsTaggedNamesItsAccessLevelAndDocumentsItsRefusals() throws {
        let contract = try OpenAPIContract.load()
        #expect(contract.document["openapi"] == .string("3.1.0"))
        #expect(contract.document["components"]["securitySchemes"]["bearer"]["scheme"] == .string("bearer"))
        let cookie = contract.document["components"]["securitySchemes"]["contextd_session"]
        #expect([cookie["type"], cookie["in"], cookie["name"]]
            == [.string("apiKey"), .string("cookie"), .string("contextd_session")])
        let signedIn: Value = .list([.object(["bearer": .list([])]), .object(["contextd_session": .list([])])])
        var identifiers: Set<String> = []
        for operation in contract.operations.sorted() {
            let parts = operation.split(separator: " ").map(String.init)
            let (method, template) = (parts[0], parts[1])
            let item = contract.operation(method, template)
            let tag = item["tags"].listValue?.first?.stringValue ?? ""
            let level = contract.accessLevel(method, template) ?? ""
            let statuses = contract.statuses(method, template)
            #expect(["tasks", "operations", "console"].contains(tag), "\(operation): tag")
            #expect(["none", "read", "lease", "admin"].contains(level), "\(operation): x-access-level")
            let security = contract.security(method, template)
            #expect(security == (level == "none" ? .list([]) : signedIn), "\(operation): security")
            if tag != "console" {
                #expect(statuses.isSuperset(of: [401, 421]), "\(operation): 401 and 421")
            } else if level != "none" {
                #expect(statuses.isSuperset(of: [303, 421]), "\(operation): the redirect to sign-in and 421")
            }
            if level == "lease" || level == "admin" || method == "POST" && level != "none" {
                #expect(statuses.contains(403), "\(operation): 403")
            }
            if level == "admin" {
                #expect(item["description"].stringValue?.contains("Admin only") == true, "\(operation): says admin only")
            }
            if let identifier = item["operationId"].stringValue { identifiers.insert(identifier) }
        }
        #expect(identifiers.count == contract.operations.count, "every operation has its own operationId")
    }

    /// The codes the server gives (`APIError(.status, "code", …)` and the refusals' `self.init(.status,
    /// "code", …)` in Sources/ContextdHTTP) are the
    /// `Error` schema's enum, so a strict client knows every one.
    @Test func theErrorSchemaListsEveryCodeTheServerGives() throws {
        let contract = try OpenAPIContract.load()
        let code = contract.document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
        let documented = Set((code["enum"].listValue ?? []).compactMap(\.stringValue))
        let sources = URL(fileURLWithPath: OpenAPIContract.path).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/ContextdHTTP")
        var thrown: Set<String> = ["content_too_large"]  // from the router's own errors (JSONErrorMiddleware)
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for opening in [#"APIError(."#, #"self.init(."#] {
                var rest = text[...]
                while let range = rest.range(of: opening) {
                    rest = rest[range.upperBound...]
                    guard let quote = rest.firstIndex(of: "\""), rest[..<quote].count < 40 else { continue }
                    thrown.insert(String(rest[rest.index(after: quote)...].prefix { $0 != "\"" }))
                }
            }
        }
        #expect(thrown.count >= 12, "the scan found \(thrown.sorted()): it must have missed some")
        #expect(thrown.subtracting(documented).sorted() == [], "codes the server gives that the Error schema does not list")
    }

    @Test func theServerServesTheRepositoryDocumentToAnyValidTokenOrToAnyoneWithoutTokens() async throws {
        let file = try String(contentsOfFile: OpenAPIContract.path, encoding: .utf8)
        let closed = try APIHarness(tokens: [AccessToken(name: "reader", secret: "s3cret-reader-0123456789", assignees: ["none:"])])
        try await closed.withServer { port in
            let served = try await request(port, .get, "/v1/openapi.json", token: "s3cret-reader-0123456789")
            #expect(served.status == 200)
            #expect(served.contentType == "application/json")
            #expect(served.text.trimmingCharacters(in: .newlines) == file.trimmingCharacters(in: .newlines))
            #expect(try await request(port, .get, "/v1/openapi.json").status == 401)
        }
        try await APIHarness().withServer { port in
            let served = try await request(port, .get, "/v1/openapi.json")
            #expect(served.status == 200)
            #expect(served.json == (try JSON.parse(file)))
        }
    }
}
