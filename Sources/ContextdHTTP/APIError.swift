import ContextdEvents
import ContextdStore
public import Hummingbird

/// An error as the API returns it: a status and `{"error": {"code": …, "message": …}}`, the code
/// stable for programs, the message for the person reading a log.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    var response: Response {
        var response = JSONResponse.make(
            status, #"{"error":{"code":"# + JSON.encode(.string(code)) + #","message":"#
                + JSON.encode(.string(message)) + "}}")
        if status == .unauthorized { response.headers[.wwwAuthenticate] = #"Bearer realm="contextd""# }
        return response
    }

    static let unauthorized = APIError(.unauthorized, "unauthorized",
        "a valid bearer token is required (Authorization: Bearer <token>)")

    /// The status a REST client expects for each refused ack, release or requeue.
    init(_ refusal: LeaseRefusal, taskID: String) {
        switch refusal {
        case .unknownTask:
            self.init(.notFound, "not_found", "no task '\(taskID)'")
        case .outOfScope:
            // Not the assignee: it would tell a scoped token another team's queues or people.
            self.init(.forbidden, "forbidden", "task '\(taskID)' is outside this token's assignees")
        case .alreadyAcked(let outcome):
            self.init(.conflict, "already_acked", "task '\(taskID)' was already acked (\(outcome))")
        case .leaseExpired:
            self.init(.conflict, "lease_expired",
                "the lease on task '\(taskID)' ended (ran out or was released); lease the task again")
        case .leaseMismatch:
            self.init(.conflict, "lease_mismatch",
                "task '\(taskID)' is leased under another lease id; lease the task again")
        case .wrongState(let state):
            self.init(.conflict, "wrong_state", "task '\(taskID)' is \(state.rawValue)")
        }
    }
}

enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: headers("application/json"),
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    static func text(_ status: HTTPResponse.Status, _ text: String, contentType: String) -> Response {
        Response(status: status, headers: headers(contentType), body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Leased tasks, status and errors (which quote request paths) are neither cached by a
    /// browser or proxy nor ever sniffed into HTML.
    private static func headers(_ contentType: String) -> HTTPFields {
        [.contentType: contentType, .cacheControl: "no-store", .xContentTypeOptions: "nosniff"]
    }
}
