import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Dispatch
import Foundation
import PostgresNIO
import Synchronization

/// What the cluster tests share: joining, waiting on the server's clock, subjects of a given
/// partition, work on a thread of its own, and a connection of the test's own.
enum PostgresClusterFixtures {
    static func join(
        _ store: PostgresStore, _ node: String, instance: String? = nil, partitions: Int = 64, lease: TimeSpan = .seconds(1)
    ) throws -> Membership {
        try store.join(NodeIdentity(node: node, instance: instance ?? "i-" + node), partitions: partitions, lease: lease,
            fingerprint: "rules-1")
    }

    /// Polls the cluster until `condition` holds (the server's clock decides expiry), for at
    /// most 15 s.
    static func waitUntil(_ store: PostgresStore, _ what: String, _ condition: (ClusterView) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while !condition(try store.view()) {
            guard ContinuousClock.now < deadline else { throw Timeout(what: what) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Until the lease of `partition` has run out by the server's clock.
    static func untilExpired(_ store: PostgresStore, partition: Int) async throws {
        try await waitUntil(store, "lease \(partition) to expire") { $0.leases[partition].isExpired }
    }

    struct Timeout: Error, CustomStringConvertible {
        var what: String
        var description: String { "waited 15 s for \(what)" }
    }

    /// A subject whose partition is `partition` out of `count` (`EntityPartition.of(s) % count`).
    static func subject(in partition: Int, of count: Int, _ tag: String) -> String {
        var n = 0
        while true {
            let candidate = "s-\(tag)-\(n)"
            if EntityPartition.of(candidate) % Int64(count) == Int64(partition) { return candidate }
            n += 1
        }
    }

    /// Until `count` sessions of `database` wait for a lock (a row another transaction holds).
    static func untilWaitingForLocks(_ database: PostgresTestDatabase, _ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while try await database.column("""
            SELECT count(*)::text FROM pg_stat_activity WHERE datname = '\(database.name)' AND wait_event_type = 'Lock'
            """) != ["\(count)"]
        {
            guard ContinuousClock.now < deadline else { throw Timeout(what: "\(count) sessions waiting for a lock") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Blocking work on a thread of its own (neither Swift's cooperative pool nor GCD's, whose
/// threads the blocking tests may all hold), its result waited for later.
final class Background<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () throws -> T) {
        Thread { [self] in
            let outcome = Result { try body() }
            result.withLock { $0 = outcome }
            done.signal()
        }.start()
    }

    /// Waits (blocking) for the work to end; returns what it returned, or throws what it threw.
    func value() throws -> T {
        done.wait()
        done.signal()
        return try result.withLock { $0! }.get()
    }
}

/// A connection of the test's own to its database, for transactions held open across steps.
struct TestSession: Sendable {
    let connection: PostgresConnection
    let logger = Logger(label: "contextd.tests.session")

    static func open(_ database: PostgresTestDatabase) async throws -> TestSession {
        let logger = Logger(label: "contextd.tests.session")
        let connection = try await PostgresConnection.connect(
            configuration: database.server.connectionConfiguration(database: database.name), id: 7, logger: logger)
        return TestSession(connection: connection)
    }

    func run(_ sql: String) async throws {
        _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
    }

    func close() async { try? await connection.close() }
}
