public import ContextdEvents
public import ContextdStore
import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
public import ServiceLifecycle

/// The daemon's HTTP listener (docs/consuming.md, docs/operations.md): the task API, the operations endpoints and
/// the console, one `Service` in the daemon's service group.
///
/// On graceful shutdown it ends every long poll at once (with what it has, usually nothing),
/// so SIGTERM is not held up by pollers waiting up to `max_wait`.
public struct APIServer: Service {
    let host: String
    let port: Int
    let taskAPI: TaskAPI
    let operationsAPI: OperationsAPI
    let console: Console
    let signal: TaskSignal
    let logger: Logger
    let onListening: @Sendable (Int) -> Void
    /// The open connections, held under ``ConnectionLimits/maxConnections`` (or the cap given).
    let connections: ConnectionTable
    let limits: ConnectionLimits

    /// `onListening` gets the bound port once the server accepts connections (useful with port 0).
    /// `connections` is the table to keep them in (the daemon passes one capped by its file
    /// descriptors, and reads it for metrics); by default one capped at the settings' cap.
    public init(
        host: String, port: Int, store: any TaskQueue & TaskBrowser, settings: APISettings, signal: TaskSignal,
        observer: (any TaskAPIObserver)?, probe: OperationsProbe, logger: Logger,
        now: @escaping @Sendable () -> Timestamp, connections: ConnectionTable? = nil,
        rejectedInput: RejectedInputSource = RejectedInputSource(spools: []),
        ruleFiles: RuleFilesSource = RuleFilesSource(paths: []), sessions: SessionTable = SessionTable(),
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.connections = connections ?? ConnectionTable(limit: settings.connections.maxConnections)
        limits = settings.connections
        self.signal = signal
        self.logger = logger
        self.onListening = onListening
        let gate = Gate(access: settings.access, sessions: sessions,
            hosts: HostCheck(listenHost: host, extra: settings.consoleHosts), now: now)
        taskAPI = TaskAPI(store: store, settings: settings, gate: gate, signal: signal, observer: observer, logger: logger,
            now: now)
        let probe = probe.countingFileTotals()
        operationsAPI = OperationsAPI(gate: gate, probe: probe)
        console = Console(gate: gate, store: store, settings: settings, probe: probe, rejectedInput: rejectedInput,
            ruleFiles: ruleFiles, signal: signal, observer: observer, logger: logger)
    }

    /// Every route the server answers; the tests compare its routes with docs/openapi.json.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(JSONErrorMiddleware())
        taskAPI.register(on: router)
        operationsAPI.register(on: router)
        console.register(on: router)
        return router
    }

    public func run() async throws {
        let onListening = self.onListening
        let logger = self.logger
        let router = makeRouter()
        let host = self.host
        // Hummingbird's own info lines ("Server started and listening on …", "Shutting down")
        // would say again what `http listening` and `stopped` say: it logs from notice up.
        var serverLogger = logger
        serverLogger.logLevel = max(logger.logLevel, .notice)
        let connections = self.connections
        let headerTimeout = TimeAmount.milliseconds(limits.headerTimeout.milliseconds)
        let server = HTTPServerBuilder.http1(configuration: HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(table: connections, headerTimeout: headerTimeout)],
            idleTimeout: .milliseconds(limits.idleTimeout.milliseconds)))
        let app = Application(
            router: router, server: server, configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let ip = channel.localAddress?.ipAddress ?? host
                logger.notice("http listening", metadata: [
                    "address": "\(ip.contains(":") ? "[\(ip)]" : ip):\(port)", "port": "\(port)",
                ])
                onListening(port)
            },
            logger: serverLogger)
        let signal = self.signal
        try await withGracefulShutdownHandler {
            try await app.run()
        } onGracefulShutdown: {
            signal.close()
        }
    }
}
