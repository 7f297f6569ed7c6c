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
            add each to "paths" (an HTML page: a 200 with "text/html" content, tag "console")
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

    @Test func everyOperationIsTaggedSecuredAndDocumentsItsAuthorizationFailure() throws {
        let contract = try OpenAPIContract.load()
        #expect(contract.document["openapi"] == .string("3.1.0"))
        #expect(contract.document["components"]["securitySchemes"]["bearer"]["scheme"] == .string("bearer"))
        var identifiers: Set<String> = []
        for operation in contract.operations.sorted() {
            let parts = operation.split(separator: " ").map(String.init)
            let item = contract.document["paths"][parts[1]][parts[0].lowercased()]
            #expect(["tasks", "operations"].contains(item["tags"].listValue?.first?.stringValue ?? ""), "\(operation): tag")
            #expect(item["security"] == .list([.object(["bearer": .list([])])]), "\(operation): security")
            #expect(contract.statuses(parts[0], parts[1]).contains(401), "\(operation): 401")
            if let identifier = item["operationId"].stringValue { identifiers.insert(identifier) }
        }
        #expect(identifiers.count == contract.operations.count, "every operation has its own operationId")
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
