public import ContextdEvents
import Foundation
public import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A response as the tests read it.
public struct APIResponse: Sendable {
    public var status: Int
    public var json: Value
    public var text: String
    /// The `Content-Type` header, checked against the OpenAPI document.
    public var contentType: String? = nil
    /// Every header, for the ones the document requires (`Location` of a redirect).
    public var headers: HTTPFields = [:]

    public init(status: Int, json: Value, text: String, contentType: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.json = json
        self.text = text
        self.contentType = contentType
        self.headers = headers
    }

    /// The code of an error, whether an API error's JSON or a console page's `data-code`.
    public var code: String? {
        if let errorCode { return errorCode }
        guard let range = text.range(of: #"data-code=""#) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }

    /// `{"tasks":[{"task":{…},"lease":{…}}]}` → the task ids, in order.
    public var taskIDs: [String] {
        guard case .object(let root) = json, case .list(let items)? = root["tasks"] else { return [] }
        return items.compactMap { item in
            guard case .object(let o) = item, case .object(let task)? = o["task"], case .string(let id)? = task["id"]
            else { return nil }
            return id
        }
    }

    public func lease(of taskID: String) -> String? {
        guard case .object(let root) = json, case .list(let items)? = root["tasks"] else { return nil }
        for case .object(let o) in items {
            if case .object(let task)? = o["task"], task["id"] == .string(taskID),
                case .object(let lease)? = o["lease"], case .string(let id)? = lease["id"]
            {
                return id
            }
        }
        return nil
    }

    public var errorCode: String? {
        guard case .object(let root) = json, case .object(let error)? = root["error"], case .string(let code)? = error["code"]
        else { return nil }
        return code
    }

    public subscript(key: String) -> Value? {
        guard case .object(let root) = json else { return nil }
        return root[key]
    }
}

/// One HTTP request on a fresh connection, through a real HTTP client (HummingbirdTesting's).
public func request(
    _ port: Int, _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: String? = nil
) async throws -> APIResponse {
    do {
        return try await send(port, method, uri, token: token, body: body)
    } catch ChannelError.ioOnClosedChannel {
        // The server closed the connection before the request went out on it: in a loaded
        // parallel test run a test task can wait longer than the API's header timeout between
        // connecting and writing. The server never saw the request, so sending it again on a
        // new connection is safe, as an HTTP client does with a stale keep-alive connection.
        return try await send(port, method, uri, token: token, body: body)
    }
}

private func send(
    _ port: Int, _ method: HTTPRequest.Method, _ uri: String, token: String?, body: String?
) async throws -> APIResponse {
    var headers: HTTPFields = [:]
    if let token { headers[.authorization] = "Bearer " + token }
    if body != nil { headers[.contentType] = "application/json" }
    return try await exchange(port, method, uri, headers: headers, body: body)
}

/// One request on a fresh connection with exactly these headers and this `Host` (a browser's
/// cookie and form, a foreign name the console refuses), through HummingbirdTesting's client.
public func exchange(
    _ port: Int, _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields, body: String?,
    host: String = "127.0.0.1"
) async throws -> APIResponse {
    try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(300))) { client in
        let response = try await client.execute(TestClient.Request(
            uri, method: method, authority: host, headers: headers, body: body.map { ByteBuffer(string: $0) }))
        let text = response.body.map { String(buffer: $0) } ?? ""
        return APIResponse(
            status: Int(response.status.code), json: (try? JSON.parse(text)) ?? .null, text: text,
            contentType: response.headers[.contentType], headers: response.headers)
    }
}
