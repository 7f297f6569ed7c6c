import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// A bearer token from the configuration, limited to the assignees it may see and to what its
/// access level allows.
///
/// The secret never appears in logs or errors: only `name` does, so an operator can tell which
/// integration made a request without anyone reading the token off a log line.
public struct AccessToken: Sendable {
    public var name: String
    public var secret: [UInt8]
    /// Assignee prefixes (`queue:fraud`, `sales:`) whose tasks this token may see, lease, ack,
    /// release and requeue; `""` covers every assignee.
    public var assignees: [String]
    public var access: AccessLevel

    public init(name: String, secret: String, assignees: [String], access: AccessLevel = .lease) {
        self.name = name
        self.secret = Array(secret.utf8)
        self.assignees = assignees
        self.access = access
    }
}

/// Who made a request, once its token (or session) checked out.
public struct Caller: Sendable {
    public var name: String
    public var assignees: [String]
    public var access: AccessLevel
    /// True when no token is configured: nobody signed in, so the console offers no admin action.
    public var isAnonymous: Bool

    public init(name: String, assignees: [String], access: AccessLevel, isAnonymous: Bool = false) {
        self.name = name
        self.assignees = assignees
        self.access = access
        self.isAnonymous = isAnonymous
    }

    /// The caller of a listener without tokens (loopback only): every assignee, at `lease` for
    /// the API as before access levels existed.
    static let anonymous = Caller(name: "anonymous", assignees: [""], access: .lease, isAnonymous: true)

    /// The level the console grants: read-only for an anonymous caller, whom nobody vouched for.
    var consoleAccess: AccessLevel { isAnonymous ? .read : access }

    /// Refuses (403) what needs a higher level than this caller's, naming both levels.
    func require(_ level: AccessLevel, for what: String) throws(APIError) {
        guard access < level else { return }
        throw APIError(.forbidden, "forbidden",
            "\(what) needs access '\(level.rawValue)'; \(isAnonymous ? "an anonymous caller" : "token '\(name)'") "
                + "has '\(access.rawValue)'"
                + (isAnonymous ? " (configure a token with access: \(level.rawValue) in http.tokens)" : ""))
    }
}

/// Checks bearer tokens (SPEC §3). With no tokens configured every request is served as
/// `anonymous` with every assignee in scope; the configuration allows that only on a
/// loopback listener.
public struct AccessControl: Sendable {
    public var tokens: [AccessToken]

    public init(tokens: [AccessToken]) { self.tokens = tokens }

    public var isOpen: Bool { tokens.isEmpty }

    /// The caller an `Authorization` header names; nil (401) when it names none.
    public func caller(authorization header: String?) -> Caller? {
        if isOpen { return .anonymous }
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return caller(secret: Array(header.utf8.dropFirst(7)))
    }

    /// The token whose secret is `presented` (a bearer header's or the sign-in form's). Every
    /// token is compared, each in constant time, so response times do not reveal how much of a
    /// guess was right, nor which token it was close to.
    func caller(secret presented: [UInt8]) -> Caller? {
        var match: AccessToken?
        for token in tokens where Self.constantTimeEquals(token.secret, presented) {
            match = token
        }
        return match.map { Caller(name: $0.name, assignees: $0.assignees, access: $0.access) }
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
