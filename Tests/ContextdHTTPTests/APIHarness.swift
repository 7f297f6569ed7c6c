import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdStore
import ContextdTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The lease clock of the tests: moved by hand, so a lease runs out when a test says so.
final class ManualClock: Sendable {
    private let time = Mutex(Timestamp(rfc3339: "2026-11-23T09:00:00Z")!)
    var now: Timestamp { time.withLock { $0 } }
    func advance(_ span: TimeSpan) { time.withLock { $0 = $0 + span } }
}

/// Records what the API told its observer.
final class RecordingObserver: TaskAPIObserver {
    let events = Mutex<[String]>([])
    func leased(_ tasks: [LeasedTask], by caller: Caller) {
        events.withLock { $0.append(contentsOf: tasks.map { "leased \($0.record.id) by \(caller.name)" }) }
    }
    func acked(_ task: TaskState, outcome: TaskOutcome.Outcome, by caller: Caller) {
        events.withLock { $0.append("acked \(task.record.id) \(outcome.rawValue)") }
    }
    func released(_ task: TaskState, by caller: Caller) { events.withLock { $0.append("released \(task.record.id)") } }
    func requeued(_ task: TaskState, by caller: Caller) { events.withLock { $0.append("requeued \(task.record.id)") } }
}

/// A real store in a temporary directory and a real server on a loopback port chosen by the
/// kernel; requests go through a real HTTP client.
struct APIHarness {
    let directory: String
    let store: any DaemonStore
    let clock = ManualClock()
    let signal = TaskSignal()
    let observer = RecordingObserver()
    /// What the server logged from notice up (admin actions among it).
    let logs = LogRecorder()
    var settings: APISettings
    /// The spools' rejected/ directories the console shows.
    var rejectedInput = RejectedInputSource(spools: [])
    /// The rules paths the console's Rules page lists.
    var ruleFiles = RuleFilesSource(paths: [])

    init(tokens: [AccessToken] = [], lease: LeaseTerms = LeaseTerms(duration: .seconds(300), maxAttempts: 3)) throws {
        directory = NSTemporaryDirectory() + "contextd-http-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try StoreLocation.sqlite(path: directory + "/contextd.sqlite").open()
        settings = APISettings(access: AccessControl(tokens: tokens), lease: lease, maxWait: .seconds(300))
    }

    static let start = Timestamp(rfc3339: "2026-11-23T08:00:00Z")!

    static func task(
        _ id: String, assignee: String = "queue:fraud", priority: Double = 50, createdAt: Timestamp = start,
        expiresAt: Timestamp? = nil
    ) -> TaskRecord {
        TaskRecord(
            id: id, rule: "test-rule", subject: "cust-" + id, assignee: assignee, priority: priority, what: "Call",
            where: "phone", how: [], why: "because", scores: [:], evidence: ["evt-" + id], createdAt: createdAt,
            notBefore: nil, expiresAt: expiresAt, deferredBy: nil, tags: [], data: [:])
    }

    /// Commits tasks as the daemon does, then makes every due one leasable, as the daemon's
    /// outbox step does, and rings the signal.
    func publish(_ tasks: [TaskRecord]) throws {
        try store.commit(Commit(changes: StateChanges(clock: Self.start), tasks: tasks.map(TaskChange.created)))
        _ = try store.queueDueTasks(assigneePrefixes: [""], at: Self.start + .hours(1))
        signal.ring()
    }

    /// Runs the server for the duration of `body`, which gets the port.
    func withServer<T: Sendable>(
        probe: OperationsProbe = OperationsProbe(notReadyReasons: { [] }, metrics: { "contextd_test_metric 1\n" }),
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let logs = self.logs
        var logger = Logger(label: "contextd-http-test") { _ in RecordingLogHandler(recorder: logs) }
        logger.logLevel = .notice
        let clock = self.clock
        let server = APIServer(
            host: "127.0.0.1", port: 0, store: store, settings: settings, signal: signal, observer: observer,
            probe: probe, logger: logger,
            now: { clock.now }, rejectedInput: rejectedInput, ruleFiles: ruleFiles,
            onListening: { continuation.yield($0) })
        let group = ServiceGroup(services: [server], logger: logger)
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw HarnessError.noPort }
        let result: Result<T, any Error>
        do { result = .success(try await body(port)) } catch { result = .failure(error) }
        // A graceful shutdown, as SIGTERM gives the daemon: long polls end, the server stops.
        await group.triggerGracefulShutdown()
        try await running.value
        return try result.get()
    }

    /// Returns once a long poll is waiting in the server (checked every 10 ms; a minute at most).
    func untilAPollWaits() async throws {
        for _ in 0..<6000 where signal.waiting == 0 { try await Task.sleep(for: .milliseconds(10)) }
        if signal.waiting == 0 { throw HarnessError.noPollWaiting }
    }

    /// Leases every queued task `maxAttempts` times, letting each lease run out, so that they
    /// are dead letters (as a CRM that never acks would make them).
    func deadLetterAll() async throws {
        for _ in 0..<settings.lease.maxAttempts {
            _ = try await store.lease(assigneePrefixes: [""], limit: 1000, holder: "test", terms: settings.lease, at: clock.now)
            clock.advance(settings.lease.duration + .seconds(1))
        }
        _ = try await store.deadLetters(assigneePrefixes: [""], limit: 1000, terms: settings.lease, at: clock.now)
    }

    enum HarnessError: Error { case noPort, noPollWaiting }
}

/// Log lines as `level message key=value…` (metadata sorted), for tests that look for one.
final class LogRecorder: Sendable {
    let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .notice

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let text = "\(event.level) \(event.message)" + merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        recorder.lines.withLock { $0.append(text) }
    }
}

