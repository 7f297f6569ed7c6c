import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdSpool
import ContextdStore
import CoreMetrics
import Prometheus
import Synchronization

/// What `/metrics` shows (SPEC §5: per input, per rule, per outbox), through swift-metrics
/// with a Prometheus registry of the daemon's own, so two daemons in one process (tests) never
/// share counters and nothing depends on a global bootstrap.
///
/// Counters move when the work they count is committed; gauges that describe the store
/// (outbox depth, lag) are read when Prometheus scrapes.
final class DaemonMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])
    private let timers = Mutex<[String: CoreMetrics.FloatingPointCounter]>([:])
    /// Per group commit (``commitLanded(took:waited:)``): made once, so that a commit records
    /// two numbers without a lookup.
    private let commitTook: CoreMetrics.Timer
    private let commitWaited: CoreMetrics.Timer
    /// The engine's clock, for the lag gauge (written by the loop, read by scrapes).
    private let engineClock = Mutex<Timestamp?>(nil)
    /// Where the log lines go: it counts those it dropped.
    private let logSink = LogSink.standardError
    /// The API's connections, read at each scrape (nil without an API).
    private let connections: ConnectionTable?
    /// Of each count kept elsewhere (``count(_:_:upTo:)``), how much the counter already holds.
    private let totalsCounted = Mutex<[String: Int]>([:])

    init(connections: ConnectionTable? = nil) {
        var factory = PrometheusMetricsFactory(registry: registry)
        // A group commit takes about a millisecond on SQLite and a few on PostgreSQL: the
        // library's buckets (5 ms to 10 s) would put most of them in the first one.
        for name in [Self.commitSeconds, Self.commitWaitSeconds] {
            factory.durationHistogramBuckets[name] = Self.commitBuckets
        }
        self.factory = factory
        self.connections = connections
        // Also shown at 0 (count and buckets) before the first commit.
        commitTook = CoreMetrics.Timer(label: Self.commitSeconds, dimensions: [], factory: factory)
        commitWaited = CoreMetrics.Timer(label: Self.commitWaitSeconds, dimensions: [], factory: factory)
        // Shown at 0 from the start, so an alert can be written against it before it moves.
        _ = Self.metric(in: counters, "contextd_log_writes_failed_total", []) {
            CoreMetrics.Counter(label: $0, dimensions: $1, factory: factory)
        }
    }

    func count(_ name: String, _ dimensions: [(String, String)] = [], by amount: Int = 1) {
        guard amount > 0 else { return }
        Self.metric(in: counters, name, dimensions) { CoreMetrics.Counter(label: $0, dimensions: $1, factory: factory) }
            .increment(by: amount)
    }

    /// Brings a counter up to `total`, a count kept elsewhere since start (the log sink's, the
    /// connection table's): adds what it grew by since the last call, never less than nothing.
    private func count(_ name: String, _ dimensions: [(String, String)] = [], upTo total: Int) {
        let key = Self.key(name, dimensions)
        let growth = totalsCounted.withLock { counted in
            let before = counted[key] ?? 0
            counted[key] = max(before, total)
            return total - before
        }
        count(name, dimensions, by: growth)
    }

    func addSeconds(_ name: String, _ dimensions: [(String, String)], _ seconds: Double) {
        guard seconds > 0 else { return }
        Self.metric(in: timers, name, dimensions) {
            CoreMetrics.FloatingPointCounter(label: $0, dimensions: $1, factory: factory)
        }.increment(by: seconds)
    }

    func set(_ name: String, _ dimensions: [(String, String)] = [], to value: Double) {
        Self.metric(in: gauges, name, dimensions) { CoreMetrics.Gauge(label: $0, dimensions: $1, factory: factory) }
            .record(value)
    }

    /// The metric of this name and labels, made once and then reused (making one is a registry
    /// lookup under a lock; the loop counts on every commit).
    private static func metric<Metric>(
        in cache: borrowing Mutex<[String: Metric]>, _ name: String, _ dimensions: [(String, String)],
        make: (String, [(String, String)]) -> Metric
    ) -> Metric {
        let key = Self.key(name, dimensions)
        return cache.withLock { cache in
            if let existing = cache[key] { return existing }
            let made = make(name, dimensions)
            cache[key] = made
            return made
        }
    }

    private static func key(_ name: String, _ dimensions: [(String, String)]) -> String {
        dimensions.reduce(name) { $0 + "\u{1F}" + $1.0 + "=" + $1.1 }
    }

    // MARK: - From the loop

    /// Per group commit, from the hand-over to the store until durable (the barrier's flushes
    /// and the transaction, on the store's writer, while the loop applies the next group).
    static let commitSeconds = "contextd_commit_seconds"
    /// Per group commit, how long the loop waited for it: the part of the store's time it
    /// could not hide behind applying the next group (decision 0009).
    static let commitWaitSeconds = "contextd_commit_wait_seconds"
    static let commitBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(5),
    ]

    /// A group commit landed: what it took the store, and how long the loop waited for it.
    /// Once per group commit, never per event (histograms `_bucket`, `_sum`, `_count`, seconds).
    func commitLanded(took: Duration?, waited: Duration) {
        if let took { commitTook.recordNanoseconds(took.nanosecondsRounded) }
        commitWaited.recordNanoseconds(waited.nanosecondsRounded)
    }

    /// The tasks a commit created, released or stopped.
    func record(_ changes: [TaskChange]) {
        for change in changes {
            switch change {
            case .created(let task):
                count("contextd_tasks_created_total", [("rule", task.rule)])
                if task.deferredBy != nil { count("contextd_tasks_deferred_total", [("rule", task.rule)]) }
            case .released(let task):
                count("contextd_tasks_released_early_total", [("rule", task.rule)])
            case .expiredOnArrival(let task):
                count("contextd_tasks_created_total", [("rule", task.rule)])
                count("contextd_tasks_expired_on_arrival_total", [("rule", task.rule)])
            case .suppressed(let task, let policy):
                count("contextd_tasks_suppressed_total", [("rule", task.rule), ("policy", policy)])
            }
        }
    }

    /// Per-rule counters, from the growth of the engine's own statistics since `previous`.
    func record(rules current: [String: RuleStatistics], since previous: [String: RuleStatistics]) {
        for (rule, now) in current {
            let before = previous[rule] ?? RuleStatistics()
            guard now != before else { continue }
            let labels = [("rule", rule)]
            count("contextd_rule_evaluations_total", labels, by: now.evaluations - before.evaluations)
            count("contextd_rule_matches_total", labels, by: now.matches - before.matches)
            count("contextd_rule_errors_total", labels, by: now.errors - before.errors)
            if now.nanoseconds > before.nanoseconds {
                addSeconds("contextd_rule_evaluation_seconds_total", labels,
                    Double(now.nanoseconds - before.nanoseconds) / 1e9)
            }
        }
    }

    func engineClock(_ clock: Timestamp?) { engineClock.withLock { $0 = clock } }

    func reload(succeeded: Bool, at time: Timestamp, rules: Int?) {
        set("contextd_rules_last_reload_success", to: succeeded ? 1 : 0)
        set("contextd_rules_last_reload_timestamp_seconds", to: Double(time.milliseconds) / 1000)
        if let rules { set("contextd_rules_loaded", to: Double(rules)) }
    }

    // MARK: - Scrapes

    /// The Prometheus text, after reading the gauges that describe the store now.
    func exposition(store: any StoreHealthProbe, outboxNew: String, now: Timestamp) async -> String {
        if let counts = try? await store.taskCounts() {
            for state in TaskDelivery.allCases {
                set("contextd_outbox_tasks", [("state", state.rawValue)], to: Double(counts[state] ?? 0))
            }
        }
        if let names = try? directoryEntries(outboxNew) {
            set("contextd_outbox_files", [("directory", "new")], to: Double(names.count))
        }
        count("contextd_log_writes_failed_total", upTo: logSink.failedWrites)
        if let counts = connections?.counts {
            set("contextd_http_connections_open", to: Double(counts.open))
            let closed = "contextd_http_connections_closed_total"
            count(closed, [("reason", "evicted_idle")], upTo: counts.evicted)
            count(closed, [("reason", "refused_busy")], upTo: counts.refused)
            count(closed, [("reason", "header_timeout")], upTo: counts.headerTimeouts)
        }
        if let clock = engineClock.withLock({ $0 }) {
            set("contextd_clock_timestamp_seconds", to: Double(clock.milliseconds) / 1000)
            set("contextd_lag_seconds", to: Double((now - clock).milliseconds) / 1000)
        }
        return registry.emitToString()
    }
}

/// The HTTP API's activity, counted, and outcomes handed on to the loop.
struct APIActivity: TaskAPIObserver {
    let metrics: DaemonMetrics
    /// Rung after an ack: an outcome waits for the engine.
    let outcomeArrived: @Sendable () -> Void

    func leased(_ tasks: [LeasedTask], by caller: Caller) {
        metrics.count("contextd_tasks_leased_total", [("token", caller.name)], by: tasks.count)
    }

    func acked(_ task: TaskState, outcome: TaskOutcome.Outcome, by caller: Caller) {
        metrics.count("contextd_tasks_acked_total", [("outcome", outcome.rawValue), ("rule", task.record.rule)])
        outcomeArrived()
    }

    func released(_ task: TaskState, by caller: Caller) {
        metrics.count("contextd_tasks_lease_released_total")
    }

    func requeued(_ task: TaskState, by caller: Caller) {
        metrics.count("contextd_tasks_requeued_total")
    }
}

extension Duration {
    /// Whole nanoseconds, for swift-metrics' timers.
    fileprivate var nanosecondsRounded: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
