import Hummingbird

/// Every error leaves as `{"error": {"code", "message"}}`: the ``APIError``s the handlers throw,
/// and those the router raises itself (an unknown path, a body too large), so a client parses
/// one error shape only (docs/openapi.json: the `Error` schema). An unknown path outside the
/// API (`/v1/…`, the operations endpoints) gets the console's 404 page instead, for the browser
/// that asked.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPError where error.status == .notFound && !Self.isAPIPath(request.uri.path) {
            // A path outside the API is a browser's: the console's own 404 page.
            return Console.notFound(request.uri.path)
        } catch let error as HTTPError {
            let message = error.body ?? (error.status == .notFound
                ? "no such endpoint: \(request.method) \(request.uri.path) (see docs/consuming.md)"
                : error.status.reasonPhrase)
            return APIError(error.status, Self.code(error.status), message).response
        } catch let error as any HTTPResponseError {
            // A body over the handler's limit (NIOTooManyBytesError) left as a bare 413.
            // The API's bodies and the console's forms have limits of their own.
            let limit = Self.isAPIPath(request.uri.path) ? TaskAPI.maxBodyBytes : FormFields.maxBytes
            let message = error.status == .contentTooLarge
                ? "the request body is too large: at most \(limit / 1024) KiB" : error.status.reasonPhrase
            return APIError(error.status, Self.code(error.status), message).response
        }
    }

    /// The error code of a status the router raised: its reason phrase in snake case
    /// ("Payload Too Large" → `payload_too_large`).
    private static func code(_ status: HTTPResponse.Status) -> String {
        String(status.reasonPhrase.lowercased().map { $0 == " " ? "_" : $0 })
    }

    static func isAPIPath(_ path: String) -> Bool {
        path == "/v1" || path.hasPrefix("/v1/") || ["/healthz", "/readyz", "/metrics"].contains(path)
    }
}
