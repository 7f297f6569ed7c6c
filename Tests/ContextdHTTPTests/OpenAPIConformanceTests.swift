import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdStore
import ContextdTestSupport
import HTTPTypes
import Synchronization
import Testing

/// Every documented response of every operation, produced by a real server on a real store and
/// held to its schema in docs/openapi.json: the success and each error status (400, 401, 403,
/// 404, 409, 413, 503), then a check that none of the documented ones was left out.
@Suite struct OpenAPIConformanceTests {
    static let fraud = "s3cret-fraud-0123456789"
    static let tokens = [
        AccessToken(name: "fraud-desk", secret: fraud, assignees: ["queue:fraud"]),
        AccessToken(name: "sales-crm", secret: "s3cret-sales-9876543210", assignees: ["sales:"]),
    ]

    /// Sends requests, checks each response against the document, and keeps which documented
    /// (operation, status) pairs were seen.
    final class Exchange: Sendable {
        let port: Int
        let contract: OpenAPIContract
        let seen = Mutex<Set<String>>([])

        init(port: Int, contract: OpenAPIContract) {
            self.port = port
            self.contract = contract
        }

        @discardableResult
        func send(
            _ method: HTTPRequest.Method, _ uri: String, token: String? = OpenAPIConformanceTests.fraud,
            body: String? = nil, expect status: Int, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> APIResponse {
            let response = try await request(port, method, uri, token: token, body: body)
            #expect(response.status == status, "\(method) \(uri): \(response.text)", sourceLocation: sourceLocation)
            let problems = contract.problems(
                method: method.rawValue, path: uri, status: response.status, contentType: response.contentType,
                body: response.text)
            #expect(problems == [], sourceLocation: sourceLocation)
            if let template = contract.template(of: String(uri.prefix { $0 != "?" })) {
                _ = seen.withLock { $0.insert("\(method.rawValue) \(template) \(response.status)") }
            }
            return response
        }
    }

    @Test func everyDocumentedResponseOfEveryOperationConformsToItsSchema() async throws {
        let contract = try OpenAPIContract.load()
        // One lease per task: a released task is dead-lettered at once, so requeue has one to take.
        var harness = try APIHarness(tokens: Self.tokens, lease: LeaseTerms(duration: .seconds(300), maxAttempts: 1))
        harness.settings.maxLimit = 10
        let start = APIHarness.start
        try harness.publish(["t-ack", "t-release", "t-dead"].map { APIHarness.task($0) }
            + [APIHarness.task("t-sales", assignee: "sales:anna")])
        try harness.store.commit(Commit(
            changes: StateChanges(clock: start),
            tasks: [.suppressed(APIHarness.task("t-stopped"), policy: "cooldown")],
            explanations: [TaskExplanation(taskID: "t-ack", text: "rule test-rule fired on evt-t-ack\n", appends: false)]))
        let notReady = NotReadyReasons()
        let probe = OperationsProbe(
            notReadyReasons: { notReady.reasons.withLock { $0 } }, metrics: { "contextd_test_metric 1\n" },
            status: { StatusReportSamples.running })
        let seen = try await harness.withServer(probe: probe) { port in
            let api = Exchange(port: port, contract: contract)
            try await Self.leaseAndShow(api)
            try await Self.ackAndRelease(api)
            try await Self.deadLettersRequeueAndSuppressed(api)
            try await Self.operations(api, notReady: notReady)
            return api.seen.withLock { $0 }
        }
        var documented: Set<String> = []
        for operation in contract.operations {
            let parts = operation.split(separator: " ").map(String.init)
            for status in contract.statuses(parts[0], parts[1]) { documented.insert("\(operation) \(status)") }
        }
        #expect(documented.subtracting(seen).sorted() == [], "documented responses this test never produced")
        #expect(seen.subtracting(documented).sorted() == [], "responses the document does not give")
    }

    static func leaseAndShow(_ api: Exchange) async throws {
        try await api.send(.get, "/v1/tasks", token: nil, expect: 401)
        try await api.send(.get, "/v1/tasks?limit=0", expect: 400)
        try await api.send(.get, "/v1/tasks?wait=soon", expect: 400)
        try await api.send(.get, "/v1/tasks?assignee=sales:", expect: 403)
        let leased = try await api.send(.get, "/v1/tasks?assignee=queue:fraud&limit=3&wait=0", expect: 200)
        #expect(Set(leased.taskIDs) == ["t-ack", "t-release", "t-dead"])
        try await api.send(.get, "/v1/tasks", expect: 200)  // nothing left: an empty list conforms too
        let shown = try await api.send(.get, "/v1/tasks/t-ack", expect: 200)
        #expect(shown["explanation"] == .string("rule test-rule fired on evt-t-ack\n"))
        try await api.send(.get, "/v1/tasks/t-stopped", expect: 200)  // a stopped candidate: no explanation (null)
        try await api.send(.get, "/v1/tasks/t-none", expect: 404)
        try await api.send(.get, "/v1/tasks/t-sales", expect: 403)
        try await api.send(.get, "/v1/tasks/t-ack", token: "wrong", expect: 401)
    }

    static func ackAndRelease(_ api: Exchange) async throws {
        let big = #"{"outcome":"done","note":""# + String(repeating: "x", count: 70_000) + #""}"#
        for action in ["ack", "release"] {
            try await api.send(.post, "/v1/tasks/t-\(action == "ack" ? "ack" : "release")/\(action)", body: "not json",
                expect: 400)
            try await api.send(.post, "/v1/tasks/t-none/\(action)", body: #"{"outcome":"done"}"#, expect: 404)
            try await api.send(.post, "/v1/tasks/t-sales/\(action)", body: #"{"outcome":"done"}"#, expect: 403)
            try await api.send(.post, "/v1/tasks/t-ack/\(action)", token: nil, body: #"{"outcome":"done"}"#, expect: 401)
            let tooLarge = try await api.send(.post, "/v1/tasks/t-ack/\(action)", body: big, expect: 413)
            #expect(tooLarge.errorCode == "content_too_large")
        }
        try await api.send(.post, "/v1/tasks/t-ack/ack", body: #"{"outcome":"finished"}"#, expect: 400)
        try await api.send(.post, "/v1/tasks/t-ack/ack", body: #"{"outcome":"done","lease":"l-other"}"#, expect: 409)
        let acked = try await api.send(.post, "/v1/tasks/t-ack/ack", body: #"{"outcome":"rejected","note":"called"}"#,
            expect: 200)
        #expect(acked["outcome"] == .string("rejected"))
        #expect(try await api.send(.post, "/v1/tasks/t-ack/ack", body: #"{"outcome":"done"}"#, expect: 409).errorCode
            == "already_acked")
        let released = try await api.send(.post, "/v1/tasks/t-release/release", expect: 200)
        #expect(released["delivery"] == .string("dead"))  // max_attempts 1
        #expect(try await api.send(.post, "/v1/tasks/t-release/release", body: "{}", expect: 409).errorCode
            == "lease_expired")
    }

    static func deadLettersRequeueAndSuppressed(_ api: Exchange) async throws {
        try await api.send(.post, "/v1/tasks/t-dead/release", body: #"{"lease":null}"#, expect: 200)
        let dead = try await api.send(.get, "/v1/dead-letters?assignee=queue:fraud", expect: 200)
        #expect(Set(dead.taskIDs) == ["t-release", "t-dead"])
        try await api.send(.get, "/v1/dead-letters?limit=many", expect: 400)
        try await api.send(.get, "/v1/dead-letters?assignee=sales:", expect: 403)
        try await api.send(.get, "/v1/dead-letters", token: nil, expect: 401)
        let requeued = try await api.send(.post, "/v1/tasks/t-dead/requeue", expect: 200)
        #expect(requeued["delivery"] == .string("queued"))
        #expect(try await api.send(.post, "/v1/tasks/t-dead/requeue", expect: 409).errorCode == "wrong_state")
        try await api.send(.post, "/v1/tasks/t-none/requeue", expect: 404)
        try await api.send(.post, "/v1/tasks/t-sales/requeue", expect: 403)
        try await api.send(.post, "/v1/tasks/t-dead/requeue", token: nil, expect: 401)
        let stopped = try await api.send(.get, "/v1/suppressed", expect: 200)
        #expect(stopped.taskIDs == ["t-stopped"])
        try await api.send(.get, "/v1/suppressed?limit=-1", expect: 400)
        try await api.send(.get, "/v1/suppressed?assignee=sales:anna", expect: 403)
        try await api.send(.get, "/v1/suppressed", token: nil, expect: 401)
    }

    /// What the probe answers `/readyz` with, set by the test.
    final class NotReadyReasons: Sendable {
        let reasons = Mutex<[String]>([])
    }

    static func operations(_ api: Exchange, notReady: NotReadyReasons) async throws {
        for path in ["/healthz", "/readyz", "/metrics", "/v1/openapi.json"] {
            try await api.send(.get, path, expect: 200)
            try await api.send(.get, path, token: nil, expect: 401)
        }
        notReady.reasons.withLock { $0 = ["the store is not reachable", "startup recovery is running"] }
        let unready = try await api.send(.get, "/readyz", expect: 503)
        #expect(unready["reasons"] == .list([.string("the store is not reachable"), .string("startup recovery is running")]))
        try await api.send(.get, "/v1/status", expect: 200)
        try await api.send(.get, "/v1/status", token: nil, expect: 401)
    }
}
