import ContextdEvents
import ContextdHTTP
import ContextdStore
import ContextdTestSupport
import HTTPTypes
import Synchronization
import Testing

/// SPEC §3: bearer tokens from the configuration, each limited to assignee prefixes.
@Suite struct AccessTests {
    static let tokens = [
        AccessToken(name: "fraud-desk", secret: "s3cret-fraud-0123456789", assignees: ["queue:fraud"]),
        AccessToken(name: "sales-crm", secret: "s3cret-sales-9876543210", assignees: ["sales:"]),
    ]

    @Test func requestsWithoutAValidTokenAreRefusedWith401() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try harness.publish([APIHarness.task("t-1")])
        try await harness.withServer { port in
            for (method, path) in [("GET", "/v1/tasks"), ("POST", "/v1/tasks/t-1/ack"), ("GET", "/healthz"),
                ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/v1/dead-letters")]
            {
                let m: HTTPRequest.Method = method == "GET" ? .get : .post
                let none = try await request(port, m, path, body: method == "POST" ? #"{"outcome":"done"}"# : nil)
                #expect(none.status == 401, "\(path) without a token")
                #expect(none.errorCode == "unauthorized")
                let wrong = try await request(port, m, path, token: "s3cret-fraud-0123456788")
                #expect(wrong.status == 401, "\(path) with a near miss")
                let prefix = try await request(port, m, path, token: "s3cret-fraud")
                #expect(prefix.status == 401, "\(path) with a prefix of a token")
            }
            #expect(try await request(port, .get, "/healthz", token: "s3cret-sales-9876543210").status == 200)
            // The task is still there: nothing above leased it.
            #expect(try await request(port, .get, "/v1/tasks", token: "s3cret-fraud-0123456789").taskIDs == ["t-1"])
        }
    }

    @Test func aTokenSeesOnlyItsAssigneesAnd403OutsideThem() async throws {
        let harness = try APIHarness(tokens: Self.tokens)
        try harness.publish([
            APIHarness.task("t-fraud", assignee: "queue:fraud", priority: 90),
            APIHarness.task("t-sales", assignee: "sales:anna", priority: 95),
        ])
        let fraud = "s3cret-fraud-0123456789"
        let sales = "s3cret-sales-9876543210"
        try await harness.withServer { port in
            let outside = try await request(port, .get, "/v1/tasks?assignee=sales:", token: fraud)
            #expect(outside.status == 403 && outside.errorCode == "forbidden")
            let wider = try await request(port, .get, "/v1/tasks?assignee=queue:", token: fraud)
            #expect(wider.status == 403, "a prefix wider than the token's")
            // Without assignee=, a token leases under its own prefixes only, although the sales
            // task has the higher priority.
            let mine = try await request(port, .get, "/v1/tasks?limit=5", token: fraud)
            #expect(mine.taskIDs == ["t-fraud"])
            let salesLease = try await request(port, .get, "/v1/tasks?assignee=sales:anna", token: sales)
            #expect(salesLease.taskIDs == ["t-sales"])
            let crossAck = try await request(port, .post, "/v1/tasks/t-sales/ack", token: fraud, body: #"{"outcome":"done"}"#)
            #expect(crossAck.status == 403)
            let crossShow = try await request(port, .get, "/v1/tasks/t-sales", token: fraud)
            #expect(crossShow.status == 403)
            #expect(try await request(port, .post, "/v1/tasks/t-sales/ack", token: sales, body: #"{"outcome":"done"}"#)
                .status == 200)
        }
        #expect(harness.observer.events.withLock { $0 }.contains("leased t-fraud by fraud-desk"))
    }

    @Test func tokensAreComparedWholeAndBearerIsCaseInsensitive() {
        let access = AccessControl(tokens: Self.tokens)
        #expect(access.caller(authorization: "Bearer s3cret-sales-9876543210")?.name == "sales-crm")
        #expect(access.caller(authorization: "bearer s3cret-sales-9876543210")?.name == "sales-crm")
        #expect(access.caller(authorization: "Bearer s3cret-sales-98765432100") == nil)
        #expect(access.caller(authorization: "Basic s3cret-sales-9876543210") == nil)
        #expect(access.caller(authorization: nil) == nil)
        #expect(AccessControl(tokens: []).caller(authorization: nil)?.assignees == [""])
    }
}
