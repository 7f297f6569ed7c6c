import Hummingbird

/// Every error leaves as `{"error": {"code", "message"}}`: the ``APIError``s the handlers throw,
/// and those the router raises itself (an unknown path, a body too large), so a client parses
/// one error shape only.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPError {
            let code = String(error.status.reasonPhrase.lowercased().map { $0 == " " ? "_" : $0 })
            let message = error.body ?? (error.status == .notFound
                ? "no such endpoint: \(request.method) \(request.uri.path) (see docs/consuming.md)"
                : error.status.reasonPhrase)
            return APIError(error.status, code, message).response
        }
    }
}
