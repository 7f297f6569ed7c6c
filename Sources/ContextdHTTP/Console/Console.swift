import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// The operations console (docs/operations.md, "Console"): server-rendered pages over the same
/// store, probe and access rules as the API, served by the daemon with its own assets.
///
/// Every page reads through the caller's scope: a token limited to `queue:fraud` sees only
/// those tasks. Admin actions go through the store calls the API uses and are logged at notice
/// as `admin action` with the token's name and the object, never a secret.
struct Console: Sendable {
    let gate: Gate
    /// The same roles as ``TaskAPI/store``: the pages read through ``TaskBrowser``, the admin
    /// actions go through ``TaskQueue``.
    let store: any TaskQueue & TaskBrowser
    let settings: APISettings
    let probe: OperationsProbe
    let rejectedInput: RejectedInputSource
    let ruleFiles: RuleFilesSource
    let signal: TaskSignal
    let observer: (any TaskAPIObserver)?
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        registerSignIn(on: router)
        registerAssets(on: router)
        router.get("/") { request, _ in try await page(request) { try await overview($0) } }
        router.get("rules") { request, _ in try await page(request) { try await rules($0) } }
        router.get("tasks") { request, _ in try await page(request) { try await tasks($0, request) } }
        router.get("task") { request, _ in try await page(request) { try await task($0, request) } }
        router.get("subject") { request, _ in try await page(request) { try await subject($0, request) } }
        router.get("dead-letters") { request, _ in try await page(request) { try await deadLetters($0, request) } }
        router.post("dead-letters/requeue") { request, _ in try await requeue(request) }
        router.get("rejected") { request, _ in try await page(request) { try await rejected($0, request) } }
        router.get("rejected/raw") { request, _ in try await page(request) { try await rejectedRaw($0, request) } }
        router.get("cluster") { request, _ in try await page(request) { try await cluster($0) } }
    }

    /// Runs a page for an admitted caller: a browser without a session goes to the sign-in
    /// form, a refusal (421, 403) becomes a page in the console's style.
    func page(
        _ request: Request, status: HTTPResponse.Status = .ok, csrfField: String? = nil,
        _ render: (ConsoleLayout.Viewer) async throws -> HTML
    ) async throws -> Response {
        do {
            guard let admitted = try gate.admit(request, csrfField: csrfField) else {
                return Self.redirect(to: "/sign-in")
            }
            let viewer = ConsoleLayout.Viewer(caller: admitted.caller, csrf: admitted.csrf)
            return Self.html(status, try await render(viewer))
        } catch let error as APIError {
            return Self.errorPage(error)
        }
    }

    /// A refusal or failure in the console's style: the status, what went wrong and what to do.
    static func errorPage(_ error: APIError) -> Response {
        html(error.status, ConsoleLayout.document(title: error.status.reasonPhrase, section: nil, viewer: nil) {
            HTML.element("p", [("class", "problem"), ("data-code", error.code)]) { error.message }
            HTML.element("p") { HTML.element("a", [("href", "/")]) { "Back to the overview" } }
        })
    }

    /// The console's 404 for a path that is no page (paths under /v1 keep their JSON 404).
    static func notFound(_ path: String) -> Response {
        errorPage(APIError(.notFound, "not_found", "there is no page \(path) in the console"))
    }

    static func html(_ status: HTTPResponse.Status, _ page: HTML) -> Response {
        Response(status: status, headers: pageHeaders, body: ResponseBody(byteBuffer: ByteBuffer(string: page.rendered)))
    }

    static func redirect(to path: String, cookie: String? = nil) -> Response {
        var headers: HTTPFields = [.location: path, .cacheControl: "no-store"]
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    /// No page may be framed (clickjacking of the requeue button) or load anything from
    /// elsewhere; nothing is cached, since pages show live state and scoped data.
    private static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
        .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        HTTPField.Name("X-Frame-Options")!: "DENY", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
    ]

    /// Notes an admin action at notice, naming the token and the object, never a secret.
    func logAdminAction(_ action: String, by caller: Caller, _ object: Logger.Metadata) {
        var metadata: Logger.Metadata = ["token": "\(caller.name)", "action": "\(action)"]
        metadata.merge(object) { first, _ in first }
        logger.notice("admin action", metadata: metadata)
    }
}
