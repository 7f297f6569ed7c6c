public import ContextdEngine
public import ContextdEvents
public import ContextdStore

/// How the HTTP API behaves, from the `http` section of the configuration.
public struct APISettings: Sendable {
    public var access: AccessControl
    public var lease: LeaseTerms
    /// The longest long poll: a larger `wait` is cut to this, so a poller cannot hold a
    /// connection (and a shutdown) for ever.
    public var maxWait: TimeSpan
    /// The most tasks one lease request may take.
    public var maxLimit: Int
    /// The connection cap and timeouts.
    public var connections = ConnectionLimits()
    /// Host names besides the listener's own under which browsers may reach the console
    /// (`http.console_hosts`: a reverse proxy's or a DNS name). See ``HostCheck``.
    public var consoleHosts: [String] = []

    public init(access: AccessControl, lease: LeaseTerms = LeaseTerms(), maxWait: TimeSpan = .seconds(60),
        maxLimit: Int = 100)
    {
        self.access = access
        self.lease = lease
        self.maxWait = maxWait
        self.maxLimit = maxLimit
    }
}

/// Told of what pollers do, for metrics and to wake the daemon when an outcome waits for the
/// engine. Called after the change is committed.
public protocol TaskAPIObserver: Sendable {
    func leased(_ tasks: [LeasedTask], by caller: Caller)
    func acked(_ task: TaskState, outcome: TaskOutcome.Outcome, by caller: Caller)
    func released(_ task: TaskState, by caller: Caller)
    func requeued(_ task: TaskState, by caller: Caller)
}

/// `/readyz`, `/metrics` and `/v1/status` ask the daemon; the API does not know how it keeps
/// any of them.
public struct OperationsProbe: Sendable {
    /// Why the daemon is not ready (empty: ready).
    public var notReadyReasons: @Sendable () async -> [String]
    /// The Prometheus text exposition.
    public var metrics: @Sendable () async -> String
    /// What the daemon is doing (``StatusReport``), assembled on request; nil where no daemon
    /// stands behind the API (some tests).
    public var status: @Sendable () async -> StatusReport?

    public init(
        notReadyReasons: @escaping @Sendable () async -> [String], metrics: @escaping @Sendable () async -> String,
        status: @escaping @Sendable () async -> StatusReport? = { nil }
    ) {
        self.notReadyReasons = notReadyReasons
        self.metrics = metrics
        self.status = status
    }
}
