import ContextdTestSupport
import Foundation
import HTTPTypes
import Testing

/// The console's own responses — signing in and out, requeue through the form, the raw lines'
/// 404 — and what a listener without tokens answers, each held to docs/openapi.json.
extension OpenAPIConformanceTests {
    /// Over `FormFields.maxBytes` (16 KiB): refused before anything reads it.
    static let tooLargeForm = "token=" + String(repeating: "x", count: 17 * 1024)

    static func console(_ api: OpenAPIExchange) async throws {
        let ops = try await api.signIn(admin)
        let wrong = try await api.send(.post, "/sign-in", token: nil, form: "token=s3cret-nope", expect: 401)
        #expect(wrong.text.contains("That token is not valid."))
        #expect(wrong.headers[.setCookie] == nil)
        try await api.send(.post, "/sign-in", token: nil, form: tooLargeForm, expect: 413, code: "content_too_large")

        // t-release is a dead letter (the API flows released it with max_attempts 1).
        let form = "task=t-release&csrf=" + ops.csrf
        let requeued = try await api.send(.post, "/dead-letters/requeue", token: nil, form: form, session: ops, expect: 303)
        #expect(requeued.headers[.location] == "/dead-letters?requeued=t-release")
        try await api.send(.post, "/dead-letters/requeue", token: nil, form: form, session: ops, expect: 409,
            code: "wrong_state")
        try await api.send(.post, "/dead-letters/requeue", token: nil, form: "task=t-none&csrf=" + ops.csrf, session: ops,
            expect: 404, code: "not_found")
        try await api.send(.post, "/dead-letters/requeue", token: nil, form: "task=t-sales&csrf=" + ops.csrf, session: ops,
            expect: 403, code: "forbidden")  // outside the token's assignees
        try await api.send(.post, "/dead-letters/requeue", token: nil, form: tooLargeForm, session: ops, expect: 413)

        let raw = try await api.send(.get, "/rejected/raw?spool=events&file=bad.jsonl", token: nil, session: ops,
            expect: 200)
        #expect(raw.text.contains("{not json"))
        try await api.send(.get, "/rejected/raw?spool=events&file=nope.jsonl", token: nil, session: ops, expect: 404,
            code: "not_found")
        try await api.send(.get, "/rejected/raw?spool=nope&file=bad.jsonl", token: nil, session: ops, expect: 404)

        let task = try await api.send(.get, "/task?id=t-dead&explain=1", token: nil, session: ops, expect: 200)
        #expect(task.text.contains("t-dead"))
        try await api.send(.get, "/task?id=t-none", token: nil, session: ops, expect: 404, code: "not_found")

        let viewer = try await api.signIn(reader)
        try await api.send(.post, "/sign-out", token: nil, form: tooLargeForm, session: viewer, expect: 413)
        let out = try await api.send(.post, "/sign-out", token: nil, form: "csrf=" + viewer.csrf, session: viewer,
            expect: 303)
        #expect(out.headers[.location] == "/sign-in")
        #expect(out.headers[.setCookie] == "contextd_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
        let ended = try await api.send(.get, "/", token: nil, session: viewer, expect: 303)
        #expect(ended.headers[.location] == "/sign-in")
    }

    /// A listener without tokens: the console is read-only for `anonymous`, the API serves it at
    /// `lease`, and no daemon stands behind this server (`/v1/status` is 404).
    static func anonymous(_ api: OpenAPIExchange) async throws {
        for method in [HTTPRequest.Method.get, .post] {
            let redirect = try await api.send(method, "/sign-in", token: nil, form: method == .post ? "token=x" : nil,
                expect: 303)
            #expect(redirect.headers[.location] == "/")
            #expect(redirect.headers[.setCookie] == nil)
        }
        try await api.send(.get, "/v1/status", token: nil, expect: 404, code: "not_found")
        try await api.send(.get, "/v1/tasks", token: nil, expect: 200)
        try await api.send(.post, "/v1/tasks/t-none/requeue", token: nil, expect: 403, code: "forbidden")
        let refused = try await api.send(.post, "/dead-letters/requeue", token: nil, form: "task=t-none&csrf=", expect: 403,
            code: "forbidden")
        #expect(refused.text.contains("the console is read-only without configured tokens"))
        try await api.send(.get, "/rejected/raw?spool=events&file=bad.jsonl", token: nil, expect: 403, code: "forbidden")
        try await api.send(.get, "/", token: nil, expect: 200)
        try await api.send(.get, "/v1/tasks", token: nil, host: OpenAPIExchange.foreignHost, expect: 421,
            code: "misdirected_request")
        try await api.send(.get, "/", token: nil, host: OpenAPIExchange.foreignHost, expect: 421,
            code: "misdirected_request")
        try await api.send(.post, "/v1/tasks/t-none/ack", token: nil, body: #"{"outcome":"done"}"#,
            origin: "http://evil.example", expect: 403, code: "cross_origin")
    }
}
