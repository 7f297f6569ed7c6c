public import ContextdEvents

/// How many connections the API holds and how long it waits on them (`http.max_connections`,
/// `http.idle_timeout`, `http.header_timeout`; SPEC §8: connections are capped and time out).
///
/// Anyone who can reach the port can open a connection, token or not: a thousand idle ones
/// took every file descriptor and stopped the daemon (issue 17). None of these limits ever
/// cuts a request in progress, so a long poll of up to `max_wait` is never cut.
public struct ConnectionLimits: Sendable, Equatable {
    /// Open connections at most. At the cap a new connection takes the place of the one idle
    /// the longest (a keep-alive between requests, or one that never sent a request), and is
    /// refused only when every open connection is serving a request.
    public var maxConnections: Int
    /// A connection with no request in progress for this long is closed.
    public var idleTimeout: TimeSpan
    /// A new connection must have sent its first request's headers within this.
    public var headerTimeout: TimeSpan

    /// The timeouts' defaults are nginx's (`keepalive_timeout` 75 s, `client_header_timeout`
    /// 60 s): generous to a slow or busy client, because the cap, not the timeouts, is what
    /// keeps idle connections from taking the daemon's descriptors (an idle one makes room).
    public init(maxConnections: Int = 512, idleTimeout: TimeSpan = .seconds(75), headerTimeout: TimeSpan = .seconds(60)) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
    }

    /// The cap this process can afford: `maxConnections`, but at most the descriptor limit less
    /// ``reservedDescriptors`` for the store, the spools and the outbox, so that connections can
    /// never leave the processing loop without descriptors.
    public func affordableConnections(descriptorLimit: Int) -> Int {
        max(1, min(maxConnections, descriptorLimit - Self.reservedDescriptors))
    }

    /// Descriptors kept for everything but connections: SQLite's connections and files, the
    /// file in hand, directory scans, the outbox, inotify, the event loops.
    public static let reservedDescriptors = 128
}
