import ContextdEvents
import Foundation
import Hummingbird

/// `/healthz` (the process answers), `/readyz` (it can do its job: store reachable, first
/// rules loaded, startup recovery done), `/metrics` (Prometheus text format), `/v1/status`
/// (what the daemon is doing, ``StatusReport``) and `/v1/openapi.json` (docs/openapi.json,
/// embedded at build time by Plugins/OpenAPIDocument).
///
/// They take the same bearer tokens as the task API when tokens are configured (SPEC §3:
/// any request without a valid token is refused), and the console's session cookie; any
/// valid token will do (`read` is the lowest level), whatever its assignees, since none of
/// them shows a task.
struct OperationsAPI: Sendable {
    let gate: Gate
    /// The daemon's probe, its status with the totals of the files in progress counted
    /// (``OperationsProbe/countingFileTotals()``).
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
        // 200 whether ready or not: `ready` says which, and the rest shows why.
        router.get("v1/status") { request, _ in
            try authorize(request)
            guard let report = await probe.status() else {
                throw APIError(.notFound, "not_found", "no daemon behind this API reports a status")
            }
            return JSONResponse.make(.ok, report.json)
        }
        router.get("v1/openapi.json") { request, _ in
            try authorize(request)
            return JSONResponse.make(.ok, openAPIDocument)
        }
    }

    private func authorize(_ request: Request) throws {
        _ = try gate.caller(request, needs: .read, for: request.uri.path)
    }
}
