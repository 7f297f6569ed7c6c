public import ContextdEvents
import Foundation
public import HTTPTypes

/// docs/openapi.json as the tests read it: which operations it documents, and the schema each
/// documented status of each operation holds its JSON body to.
public struct OpenAPIContract: Sendable {
    public let document: Value
    public let schema: JSONSchema

    /// The repository's own docs/openapi.json, found from this file's path.
    public static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.json").path

    public static func load() throws -> OpenAPIContract {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return OpenAPIContract(document: try JSON.parse(text))
    }

    public init(document: Value) {
        self.document = document
        schema = JSONSchema(root: document)
    }

    static let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    /// `GET /v1/tasks/{id}`, … : every documented operation, in the router's spelling.
    public var operations: Set<String> {
        var found: Set<String> = []
        for (path, item) in document["paths"].objectValue ?? [:] {
            for method in Self.methods where item[method] != .null { found.insert("\(method.uppercased()) \(path)") }
        }
        return found
    }

    /// The documented path a request path falls under (`/v1/tasks/t-1/ack` → `/v1/tasks/{id}/ack`).
    public func template(of requestPath: String) -> String? {
        let parts = requestPath.split(separator: "/", omittingEmptySubsequences: true)
        return (document["paths"].objectValue ?? [:]).keys.sorted().first { template in
            let pattern = template.split(separator: "/", omittingEmptySubsequences: true)
            return pattern.count == parts.count
                && zip(pattern, parts).allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") || $0 == $1 }
        }
    }

    /// The statuses documented for an operation (`GET`, `/v1/tasks`).
    public func statuses(_ method: String, _ template: String) -> Set<Int> {
        Set((operation(method, template)["responses"].objectValue ?? [:]).keys.compactMap { Int($0) })
    }

    /// The operation object (`GET`, `/v1/tasks`); `.null` when not documented.
    public func operation(_ method: String, _ template: String) -> Value {
        document["paths"][template][method.lowercased()]
    }

    /// The security an operation requires: its own `security`, else the document's default.
    public func security(_ method: String, _ template: String) -> Value {
        let own = operation(method, template)["security"]
        return own == .null ? document["security"] : own
    }

    /// The lowest access level an operation needs (`x-access-level`: none, read, lease, admin).
    public func accessLevel(_ method: String, _ template: String) -> String? {
        operation(method, template)["x-access-level"].stringValue
    }

    /// The documented response of a status, `$ref` resolved; nil when not documented.
    public func response(_ method: String, _ template: String, status: Int) -> Value? {
        let response = operation(method, template)["responses"]["\(status)"]
        if case .string(let reference) = response["$ref"] { return schema.resolve(reference) }
        return response == .null ? nil : response
    }

    /// Every way a response breaks the document: an undocumented status, another content type,
    /// a body its schema does not allow, or (when `headers` are given) a required header missing.
    public func problems(
        method: String, path requestPath: String, status: Int, contentType: String?, body: String,
        headers: HTTPFields? = nil
    ) -> [String] {
        let path = String(requestPath.prefix { $0 != "?" })
        guard let template = template(of: path) else { return ["\(method) \(path): no documented path"] }
        guard let response = response(method, template, status: status) else {
            return ["\(method) \(path): status \(status) is not documented for \(method) \(template)"]
        }
        if let headers {
            for (name, header) in (response["headers"].objectValue ?? [:]).sorted(by: { $0.key < $1.key })
            where header["required"] == .bool(true) && HTTPField.Name(name).flatMap({ headers[$0] }) == nil {
                return ["\(method) \(path) \(status): the required header \(name) is missing"]
            }
        }
        guard let (mediaType, content) = response["content"].objectValue?.first else {
            return body.isEmpty ? [] : ["\(method) \(path) \(status): a body where the document gives none"]
        }
        if let contentType, !contentType.hasPrefix(mediaType) {
            return ["\(method) \(path) \(status): content type \(contentType), documented \(mediaType)"]
        }
        guard mediaType == "application/json" else {
            return schema.problems(.string(body), against: content["schema"], at: "\(method) \(path) \(status)")
        }
        guard let json = try? JSON.parse(body) else { return ["\(method) \(path) \(status): the body is not JSON: \(body)"] }
        return schema.problems(json, against: content["schema"], at: "\(method) \(path) \(status) $")
    }
}
