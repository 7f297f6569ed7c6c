import ContextdEngine
import ContextdEvents
import ContextdStore
import Hummingbird
import Logging

/// The lease API of SPEC §3, for CRMs that poll: lease due tasks, ack them with an outcome,
/// release them, and (for operators) list and requeue dead-lettered ones.
///
/// The store does the work in one transaction per request; this type checks the caller's
/// scope, reads parameters, waits for long polls and shapes JSON.
struct TaskAPI: Sendable {
    /// The queue and the reads of tasks by role (decision 0016): the API never learns which
    /// database holds them. An existential of two class-bound protocols: a reference and two
    /// witness tables, nothing allocated per request.
    let store: any TaskQueue & TaskBrowser
    let settings: APISettings
    let gate: Gate
    let signal: TaskSignal
    let observer: (any TaskAPIObserver)?
    /// The lease clock: the wall clock in the daemon, a controlled clock in tests.
    let now: @Sendable () -> Timestamp
    let logger: Logger

    init(
        store: any TaskQueue & TaskBrowser, settings: APISettings, gate: Gate, signal: TaskSignal,
        observer: (any TaskAPIObserver)?, logger: Logger, now: @escaping @Sendable () -> Timestamp
    ) {
        self.store = store
        self.settings = settings
        self.gate = gate
        self.logger = logger
        self.signal = signal
        self.observer = observer
        self.now = now
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("v1/tasks") { request, _ in try await lease(request) }
        router.get("v1/tasks/:id") { request, context in
            try await show(request, id: try context.parameters.require("id"))
        }
        router.post("v1/tasks/:id/ack") { request, context in
            try await ack(request, id: try context.parameters.require("id"))
        }
        router.post("v1/tasks/:id/release") { request, context in
            try await release(request, id: try context.parameters.require("id"))
        }
        router.post("v1/tasks/:id/requeue") { request, context in
            try await requeue(request, id: try context.parameters.require("id"))
        }
        router.get("v1/dead-letters") { request, _ in try await deadLetters(request) }
        router.get("v1/suppressed") { request, _ in try await suppressed(request) }
    }

    // MARK: - Lease

    /// `GET /v1/tasks?assignee=P&limit=N&wait=S`.
    private func lease(_ request: Request) async throws -> Response {
        let caller = try gate.caller(request, needs: .lease, for: "leasing tasks", changesState: true)
        let prefixes = try scope(request, caller)
        let limit = try integer(request, "limit", default: 1, range: 1...settings.maxLimit)
        // Cut to max_wait (rounded up to whole seconds) before it is multiplied, so no number overflows.
        let wait = try integer(request, "wait", default: 0, range: 0...Int((settings.maxWait.milliseconds + 999) / 1000))
        let waitFor = Duration.milliseconds(min(Int64(wait) * 1000, settings.maxWait.milliseconds))
        let clock = ContinuousClock()
        let deadline = clock.now + waitFor
        while true {
            let generation = signal.generation
            let leased = try await store.lease(
                assigneePrefixes: prefixes, limit: limit, holder: caller.name, terms: settings.lease, at: now())
            if !leased.isEmpty {
                observer?.leased(leased, by: caller)
                return JSONResponse.make(.ok, #"{"tasks":["# + leased.map(Self.json).joined(separator: ",") + "]}")
            }
            let remaining = deadline - clock.now
            if remaining <= .zero || signal.isClosed { return JSONResponse.make(.ok, #"{"tasks":[]}"#) }
            // A lease running out frees a task without any ring: wake for it too.
            var sleep = remaining
            if let end = try await store.nextLeaseEnd() {
                sleep = min(sleep, .milliseconds(max(1, (end - now()).milliseconds)))
            }
            await signal.wait(after: generation, timeout: sleep)
        }
    }

    static func json(_ leased: LeasedTask) -> String {
        #"{"task":"# + leased.record.json + #","lease":{"id":"# + JSON.encode(.string(leased.leaseID))
            + #","expires_at":"# + JSON.encode(.string(leased.until.rfc3339)) + #","attempt":\#(leased.attempt)}}"#
    }

    // MARK: - Ack, release, requeue

    /// `POST /v1/tasks/{id}/ack` with `{"outcome": "done"|"accepted"|"rejected", "note": "…",
    /// "lease": "l-…"}` (`note` and `lease` optional).
    private func ack(_ request: Request, id: String) async throws -> Response {
        let caller = try gate.caller(request, needs: .lease, for: "acking a task")
        let body = try await jsonBody(request)
        guard case .string(let word)? = body["outcome"] else {
            throw APIError(.badRequest, "bad_request",
                #"the body must give "outcome": one of "done", "accepted", "rejected""#)
        }
        guard let outcome = TaskOutcome.Outcome(rawValue: word) else {
            throw APIError(.badRequest, "bad_request",
                "unknown outcome '\(word)'; expected one of done, accepted, rejected")
        }
        let note = try optionalString(body, "note")
        let result = try await store.ack(
            taskID: id, leaseID: try optionalString(body, "lease"), outcome: outcome, note: note,
            scope: caller.assignees, at: now())
        let state = try result.get(or: id)
        observer?.acked(state, outcome: outcome, by: caller)
        return JSONResponse.make(.ok, Self.json(state))
    }

    /// `POST /v1/tasks/{id}/release` (optionally `{"lease": "l-…"}`).
    private func release(_ request: Request, id: String) async throws -> Response {
        let caller = try gate.caller(request, needs: .lease, for: "releasing a task")
        let body = try await jsonBody(request, optional: true)
        let result = try await store.release(
            taskID: id, leaseID: try optionalString(body, "lease"), scope: caller.assignees, terms: settings.lease,
            at: now())
        let state = try result.get(or: id)
        signal.ring()
        observer?.released(state, by: caller)
        return JSONResponse.make(.ok, Self.json(state))
    }

    /// `POST /v1/tasks/{id}/requeue`: a dead-lettered task goes back to the queue (admin only,
    /// logged as an admin action).
    private func requeue(_ request: Request, id: String) async throws -> Response {
        let caller = try gate.caller(request, needs: .admin, for: "requeuing a dead letter")
        let state = try await store.requeue(taskID: id, scope: caller.assignees).get(or: id)
        signal.ring()
        observer?.requeued(state, by: caller)
        logger.notice("admin action", metadata: ["token": "\(caller.name)", "action": "requeue", "task": "\(id)"])
        return JSONResponse.make(.ok, Self.json(state))
    }

    /// `GET /v1/dead-letters?assignee=P&limit=N`.
    private func deadLetters(_ request: Request) async throws -> Response {
        let caller = try gate.caller(request, needs: .lease, for: "listing dead letters")
        let prefixes = try scope(request, caller)
        let limit = try integer(request, "limit", default: 100, range: 1...10_000)
        let dead = try await store.deadLetters(assigneePrefixes: prefixes, limit: limit, terms: settings.lease, at: now())
        return JSONResponse.make(.ok, #"{"tasks":["# + dead.map(Self.json).joined(separator: ",") + "]}")
    }

    /// `GET /v1/suppressed?assignee=P&limit=N`: the latest candidates a policy stopped, and which
    /// policy (`GET /v1/tasks/{id}` or `contextd explain` says why).
    private func suppressed(_ request: Request) async throws -> Response {
        let caller = try gate.caller(request, needs: .lease, for: "listing suppressed tasks")
        let prefixes = try scope(request, caller)
        let limit = try integer(request, "limit", default: 100, range: 1...10_000)
        let stopped = try await store.suppressedTasks(assigneePrefixes: prefixes, limit: limit)
        return JSONResponse.make(.ok, #"{"tasks":["# + stopped.map {
            #"{"task":"# + $0.record.json + #","suppressed_by":"# + JSON.encode(.string($0.policy)) + "}"
        }.joined(separator: ",") + "]}")
    }

    /// `GET /v1/tasks/{id}`: where a task (or a candidate a policy stopped) is, and why it exists.
    private func show(_ request: Request, id: String) async throws -> Response {
        let caller = try gate.caller(request, needs: .lease, for: "showing a task")
        guard let found = try await store.explanation(of: id) else { throw APIError(LeaseRefusal.unknownTask, taskID: id) }
        guard assignee(found.record.assignee, isUnder: caller.assignees) else {
            throw APIError(LeaseRefusal.outOfScope(assignee: found.record.assignee), taskID: id)
        }
        return JSONResponse.make(.ok, #"{"task":"# + found.record.json + #","status":"# + JSON.encode(.string(found.status))
            + #","explanation":"# + JSON.encode(found.text.map(Value.string) ?? .null) + "}")
    }

    static func json(_ state: TaskState) -> String {
        #"{"task":"# + state.record.json + #","delivery":"# + JSON.encode(.string(state.delivery.rawValue))
            + #","attempts":\#(state.attempts),"outcome":"# + JSON.encode(state.outcome.map(Value.string) ?? .null)
            + #","note":"# + JSON.encode(state.note.map(Value.string) ?? .null) + "}"
    }

    // MARK: - Requests

    /// The assignee prefixes a listing covers: `assignee=P` must lie within the caller's
    /// prefixes (else 403); without it, all of them.
    private func scope(_ request: Request, _ caller: Caller) throws -> [String] {
        guard let prefix = request.uri.queryParameters.get("assignee") else { return caller.assignees }
        // Within the caller's scope: the prefix itself lies under one of the caller's prefixes.
        guard assignee(prefix, isUnder: caller.assignees) else {
            throw APIError(.forbidden, "forbidden",
                "assignee '\(prefix)' is outside this token's assignees (\(caller.assignees.joined(separator: ", ")))")
        }
        return [prefix]
    }

    private func integer(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), number >= range.lowerBound else {
            throw APIError(.badRequest, "bad_request", "'\(name)' must be a whole number ≥ \(range.lowerBound), got '\(text)'")
        }
        return min(number, range.upperBound)
    }

    /// The largest body an ack or release takes (more is a 413, docs/openapi.json).
    static let maxBodyBytes = 64 * 1024

    private func jsonBody(_ request: Request, optional: Bool = false) async throws -> [String: Value] {
        let buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
        let bytes = buffer.readableBytesView
        if optional, bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let value: Value
        do {
            value = try JSON.parse(bytes)
        } catch {
            throw APIError(.badRequest, "bad_request", "the body is not JSON: \(error)")
        }
        guard case .object(let object) = value else {
            throw APIError(.badRequest, "bad_request", "the body must be a JSON object")
        }
        return object
    }

    private func optionalString(_ body: [String: Value], _ key: String) throws -> String? {
        switch body[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw APIError(.badRequest, "bad_request", "'\(key)' must be a string")
        }
    }
}

extension Result where Success == TaskState, Failure == LeaseRefusal {
    func get(or taskID: String) throws(APIError) -> TaskState {
        switch self {
        case .success(let state): return state
        case .failure(let refusal): throw APIError(refusal, taskID: taskID)
        }
    }
}
