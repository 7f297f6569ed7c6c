import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdStore
import ContextdTestSupport
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// Every documented response of every operation, produced by real servers on a real store and
/// held to docs/openapi.json (status, content type, required headers, JSON schema): the task
/// API's success and error statuses, the operations endpoints, the console's pages and forms,
/// and what each access level, the Host check, CSRF and Origin refuse — then a check that none
/// of the documented ones was left out and none undocumented was produced.
///
/// The refusals and redirects every operation shares are driven from the document itself
/// (`+Access`), so a new console page is covered by its entry in docs/openapi.json alone.
@Suite struct OpenAPIConformanceTests {
    static let fraud = "s3cret-fraud-0123456789"
    static let admin = "s3cret-admin-0123456789"
    static let reader = "s3cret-reader-0123456789"
    static let tokens = [
        AccessToken(name: "fraud-desk", secret: fraud, assignees: ["queue:fraud"]),
        AccessToken(name: "sales-crm", secret: "s3cret-sales-9876543210", assignees: ["sales:"]),
        AccessToken(name: "fraud-ops", secret: admin, assignees: ["queue:fraud"], access: .admin),
        AccessToken(name: "viewer", secret: reader, assignees: [""], access: .read),
    ]
    /// A bearer token of each level, for the refusals `x-access-level` promises.
    static let tokenOfLevel = ["read": reader, "lease": fraud, "admin": admin]

    @Test func everyDocumentedResponseOfEveryOperationConformsToItsSchema() async throws {
        let contract = try OpenAPIContract.load()
        let seen = SeenResponses()
        // One lease per task: a released task is dead-lettered at once, so requeue has one to take.
        var harness = try APIHarness(tokens: Self.tokens, lease: LeaseTerms(duration: .seconds(300), maxAttempts: 1))
        harness.settings.maxLimit = 10
        harness.rejectedInput = try Self.rejectedSpool(in: harness.directory)
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
        try await harness.withServer(probe: probe) { port in
            let api = OpenAPIExchange(port: port, contract: contract, seen: seen)
            try await Self.leaseAndShow(api)
            try await Self.ackAndRelease(api)
            try await Self.deadLettersRequeueAndSuppressed(api)
            try await Self.operations(api, notReady: notReady)
            try await Self.console(api)
            try await Self.sharedRefusals(api)
        }
        // No tokens (loopback): an anonymous caller, and no daemon behind the API (no status).
        try await APIHarness().withServer { port in
            try await Self.anonymous(OpenAPIExchange(port: port, contract: contract, seen: seen))
        }
        var documented: Set<String> = []
        for operation in contract.operations {
            let parts = operation.split(separator: " ").map(String.init)
            for status in contract.statuses(parts[0], parts[1]) { documented.insert("\(operation) \(status)") }
        }
        let produced = seen.pairs.withLock { $0 }
        #expect(documented.subtracting(produced).sorted() == [], "documented responses this test never produced")
        #expect(produced.subtracting(documented).sorted() == [], "responses the document does not give")
    }

    /// A spool whose rejected/ holds `bad.jsonl` (the example of `GET /rejected/raw`) with the
    /// reasons of its refused lines.
    static func rejectedSpool(in directory: String) throws -> RejectedInputSource {
        let rejected = directory + "/rejected"
        try FileManager.default.createDirectory(atPath: rejected, withIntermediateDirectories: true)
        try "{not json\n".write(toFile: rejected + "/bad.jsonl", atomically: true, encoding: .utf8)
        return RejectedInputSource(spools: [.init(name: "events", rejectedPath: rejected)])
    }

    static func leaseAndShow(_ api: OpenAPIExchange) async throws {
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

    static func ackAndRelease(_ api: OpenAPIExchange) async throws {
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

    static func deadLettersRequeueAndSuppressed(_ api: OpenAPIExchange) async throws {
        try await api.send(.post, "/v1/tasks/t-dead/release", body: #"{"lease":null}"#, expect: 200)
        let dead = try await api.send(.get, "/v1/dead-letters?assignee=queue:fraud", expect: 200)
        #expect(Set(dead.taskIDs) == ["t-release", "t-dead"])
        try await api.send(.get, "/v1/dead-letters?limit=many", expect: 400)
        try await api.send(.get, "/v1/dead-letters?assignee=sales:", expect: 403)
        try await api.send(.get, "/v1/dead-letters", token: nil, expect: 401)
        try await api.send(.post, "/v1/tasks/t-dead/requeue", expect: 403, code: "forbidden")  // a lease token
        let requeued = try await api.send(.post, "/v1/tasks/t-dead/requeue", token: admin, expect: 200)
        #expect(requeued["delivery"] == .string("queued"))
        try await api.send(.post, "/v1/tasks/t-dead/requeue", token: admin, expect: 409, code: "wrong_state")
        try await api.send(.post, "/v1/tasks/t-none/requeue", token: admin, expect: 404)
        try await api.send(.post, "/v1/tasks/t-sales/requeue", token: admin, expect: 403, code: "forbidden")
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

    static func operations(_ api: OpenAPIExchange, notReady: NotReadyReasons) async throws {
        for path in ["/healthz", "/readyz", "/metrics", "/v1/openapi.json"] {
            try await api.send(.get, path, expect: 200)
            try await api.send(.get, path, token: nil, expect: 401)
        }
        notReady.reasons.withLock { $0 = ["the store is not reachable", "startup recovery is running"] }
        let unready = try await api.send(.get, "/readyz", expect: 503)
        #expect(unready["reasons"] == .list([.string("the store is not reachable"), .string("startup recovery is running")]))
        notReady.reasons.withLock { $0 = [] }
        try await api.send(.get, "/v1/status", expect: 200)
        try await api.send(.get, "/v1/status", token: nil, expect: 401)
    }
}
