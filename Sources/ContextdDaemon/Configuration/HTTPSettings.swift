public import ContextdEvents
public import ContextdHTTP
public import ContextdStore

/// The `http` section: where the API listens, which tasks it serves instead of the file
/// outbox, the lease rules, and who may call it (SPEC §3).
public struct HTTPSettings: Sendable, Equatable {
    /// Where the API listens; port 0 lets the kernel choose (the bound port is logged).
    public var listen: ListenAddress
    /// Assignee prefixes whose tasks are served over HTTP (leased) instead of written to the
    /// file outbox; `""` serves every task over HTTP. Empty (the default): every task goes to
    /// the file outbox, and HTTP serves only the operations endpoints and an empty queue.
    public var assignees: [String]
    /// How long a lease lasts (SPEC: 300 s).
    public var lease: TimeSpan
    /// The longest long poll (`wait` is cut to this).
    public var maxWait: TimeSpan
    /// Leases a task gets before it is dead-lettered.
    public var maxAttempts: Int
    /// Bearer tokens. Without any, the listener must be loopback-only.
    public var tokens: [Token]
    /// The connection cap and timeouts (`max_connections`, `idle_timeout`, `header_timeout`).
    public var connections = ConnectionLimits()
    /// Host names besides the listener's under which a browser may open the console
    /// (`console_hosts`: a reverse proxy's, a DNS name).
    public var consoleHosts: [String] = []

    public init(
        listen: ListenAddress, assignees: [String] = [], lease: TimeSpan = LeaseTerms().duration,
        maxWait: TimeSpan = .seconds(60), maxAttempts: Int = LeaseTerms().maxAttempts, tokens: [Token] = []
    ) {
        self.listen = listen
        self.assignees = assignees
        self.lease = lease
        self.maxWait = maxWait
        self.maxAttempts = maxAttempts
        self.tokens = tokens
    }

    /// One bearer token. Its `description` leaves the secret out, so printing a configuration
    /// cannot leak it.
    public struct Token: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
        /// Shown in logs and metrics instead of the secret.
        public var name: String
        public var secret: String
        /// Assignee prefixes the token may see, lease, ack, release and requeue.
        public var assignees: [String]
        /// What the token may do (`access:`, default `lease`).
        public var access: AccessLevel

        public init(name: String, secret: String, assignees: [String], access: AccessLevel = .lease) {
            self.name = name
            self.secret = secret
            self.assignees = assignees
            self.access = access
        }

        public var description: String {
            "token \(name) (access: \(access.rawValue), assignees: \(assignees.joined(separator: ", ")))"
        }

        /// `dump` and debuggers show the name, level and assignees, never the secret.
        public var customMirror: Mirror {
            Mirror(self, children: ["name": name, "secret": "<hidden>", "assignees": assignees, "access": access])
        }
    }
}

extension HTTPSettings {
    /// What the API server takes from this section.
    var apiSettings: APISettings {
        var settings = APISettings(
            access: AccessControl(tokens: tokens.map {
                AccessToken(name: $0.name, secret: $0.secret, assignees: $0.assignees, access: $0.access)
            }),
            lease: LeaseTerms(duration: lease, maxAttempts: maxAttempts), maxWait: maxWait)
        settings.connections = connections
        settings.consoleHosts = consoleHosts
        return settings
    }
}
