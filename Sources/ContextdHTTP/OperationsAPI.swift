import ContextdEvents
import Foundation
import Hummingbird

/// `/healthz` (the process answers), `/readyz` (it can do its job: store reachable, first
/// rules loaded, startup recovery done) and `/metrics` (Prometheus text format).
///
/// They take the same bearer tokens as the task API when tokens are configured (SPEC §3:
/// any request without a valid token is refused), and the console's session cookie; any
/// valid token will do (`read` is the lowest level), whatever its assignees, since none of
/// them shows a task.
struct OperationsAPI: Sendable {
    let gate: Gate
    let probe: OperationsProbe

    func register(on router: Router<BasicRequestContext>) {
        router.get("healthz") { request, _ in
            try authorize(request)
            return JSONResponse.make(.ok, #"{"status":"ok"}"#)
        }
        router.get("readyz") { request, _ in
            try authorize(request)
            let reasons = await probe.notReadyReasons()
            if reasons.isEmpty { return JSONResponse.make(.ok, #"{"status":"ready"}"#) }
            return JSONResponse.make(.serviceUnavailable, #"{"status":"not_ready","reasons":"#
                + JSON.encode(.list(reasons.map(Value.string))) + "}")
        }
        router.get("metrics") { request, _ in
            try authorize(request)
            return JSONResponse.text(.ok, await probe.metrics(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        // The console's overview polls this (with its cookie). A minimal form for the console
        // branch; the /v1/status work (issue 18, H1) owns its final shape.
        router.get("v1/status") { request, _ in
            try authorize(request)
            guard let report = await probe.status() else {
                throw APIError(.serviceUnavailable, "unavailable", "no status: no daemon stands behind this listener")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return JSONResponse.make(.ok, String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }

    private func authorize(_ request: Request) throws {
        _ = try gate.caller(request, needs: .read, for: request.uri.path)
    }
}
