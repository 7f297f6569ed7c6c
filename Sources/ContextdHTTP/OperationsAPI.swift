import ContextdEvents
import Hummingbird

/// `/healthz` (the process answers), `/readyz` (it can do its job: store reachable, first
/// rules loaded, startup recovery done), `/metrics` (Prometheus text format) and
/// `/v1/openapi.json` (docs/openapi.json, embedded at build time by Plugins/OpenAPIDocument).
///
/// They take the same bearer tokens as the task API when tokens are configured (SPEC §3:
/// any request without a valid token is refused); any valid token will do, whatever its
/// assignees, since none of them shows a task.
struct OperationsAPI: Sendable {
    let access: AccessControl
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
        router.get("v1/openapi.json") { request, _ in
            try authorize(request)
            return JSONResponse.make(.ok, openAPIDocument)
        }
    }

    private func authorize(_ request: Request) throws {
        guard access.caller(authorization: request.headers[.authorization]) != nil else { throw APIError.unauthorized }
    }
}
