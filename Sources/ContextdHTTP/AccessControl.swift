/// A bearer token from the configuration, limited to the assignees it may see.
///
/// The secret never appears in logs or errors: only `name` does, so an operator can tell which
/// integration made a request without anyone reading the token off a log line.
public struct AccessToken: Sendable {
    public var name: String
    public var secret: [UInt8]
    /// Assignee prefixes (`queue:fraud`, `sales:`) whose tasks this token may lease, ack,
    /// release and requeue; `""` covers every assignee.
    public var assignees: [String]

    public init(name: String, secret: String, assignees: [String]) {
        self.name = name
        self.secret = Array(secret.utf8)
        self.assignees = assignees
    }
}

/// Who made a request, once its token checked out.
public struct Caller: Sendable {
    public var name: String
    public var assignees: [String]
}

/// Checks bearer tokens (SPEC §3). With no tokens configured every request is served as
/// `anonymous` with every assignee in scope; the configuration allows that only on a
/// loopback listener.
public struct AccessControl: Sendable {
    public var tokens: [AccessToken]

    public init(tokens: [AccessToken]) { self.tokens = tokens }

    public var isOpen: Bool { tokens.isEmpty }

    /// The caller an `Authorization` header names; nil (401) when it names none. Every token is
    /// compared, each in constant time, so response times do not reveal how much of a guess
    /// was right, nor which token it was close to.
    public func caller(authorization header: String?) -> Caller? {
        if isOpen { return Caller(name: "anonymous", assignees: [""]) }
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let presented = Array(header.utf8.dropFirst(7))
        var match: AccessToken?
        for token in tokens where Self.constantTimeEquals(token.secret, presented) {
            match = token
        }
        return match.map { Caller(name: $0.name, assignees: $0.assignees) }
    }

    /// Equality whose running time depends only on the length of `secret`.
    static func constantTimeEquals(_ secret: [UInt8], _ presented: [UInt8]) -> Bool {
        var difference: UInt8 = secret.count == presented.count ? 0 : 1
        for index in secret.indices {
            difference |= secret[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0
    }
}
