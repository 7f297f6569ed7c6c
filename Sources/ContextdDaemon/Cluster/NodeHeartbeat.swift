import ContextdEvents
import ContextdStore
import Foundation
import Logging
import Synchronization

/// A node's heartbeat: on a thread of its own, every third of the lease, it tells the store the
/// node is alive (with whether its spools are drained, how far it applied the log and its next
/// deadline) and renews its leases; it keeps the cluster as the store last described it.
///
/// Why a thread apart from the loop: a long slice or a slow commit must not let the node's
/// leases lapse; and the loop must not wait for a heartbeat. The loop reads ``latest`` between
/// two steps and acts on it (``Pipeline`` rebalancing). Correctness never rests on the
/// heartbeat: a lease that lapsed anyway is caught by the fence of the next commit.
final class NodeHeartbeat: Sendable {
    /// What the loop reports for the next heartbeat.
    struct Report: Sendable {
        var drained = false
        var position: Int64 = 0
        var nextDeadline: Timestamp?
        /// The rules this node runs now (``RuleFingerprint``).
        var fingerprint = ""
    }

    private struct State: Sendable {
        var report = Report()
        var latest: ClusterView?
        /// How many views the heartbeat brought: a view numbered two past the moment something
        /// happened was read after it (the one in between may have been read before).
        var views = 0
        /// Set when another process joined under this node's id: this one must stop.
        var superseded: ClusterRefusal?
        var stopped = false
        var failingSince: Date?
    }

    let membership: Membership
    private let cluster: any ClusterMembership
    private let state = Mutex(State())
    private let wake: @Sendable () -> Void
    private let logger: Logger

    /// `wake` is called when a heartbeat brought a view whose live nodes differ from the last
    /// one's (the loop rebalances then rather than at its next rescan).
    init(membership: Membership, cluster: any ClusterMembership, logger: Logger, wake: @escaping @Sendable () -> Void) {
        self.membership = membership
        self.cluster = cluster
        self.logger = logger
        self.wake = wake
    }

    var latest: ClusterView? { state.withLock { $0.latest } }
    /// The latest view and its number.
    var numbered: (view: ClusterView, number: Int)? {
        state.withLock { state in state.latest.map { ($0, state.views) } }
    }
    /// The rules this node reports it runs.
    var fingerprint: String { state.withLock { $0.report.fingerprint } }

    /// The number of the latest view (0 before the first).
    var views: Int { state.withLock { $0.views } }
    var superseded: ClusterRefusal? { state.withLock { $0.superseded } }

    func report(_ update: (inout Report) -> Void) {
        state.withLock { update(&$0.report) }
    }

    /// One heartbeat now, on the caller's thread (the loop's first, before it rebalances).
    @discardableResult
    func beat() -> ClusterView? {
        let report = state.withLock { $0.report }
        do {
            let view = try cluster.heartbeat(membership, drained: report.drained, position: report.position,
                nextDeadline: report.nextDeadline, fingerprint: report.fingerprint)
            let changed = state.withLock { state -> Bool in
                let before = state.latest.map { Self.eligible(in: $0) }
                state.latest = view
                state.views += 1
                if state.failingSince != nil {
                    state.failingSince = nil
                    logger.notice("heartbeat reached the store again")
                }
                return before != Self.eligible(in: view)
            }
            if changed { wake() }
            return view
        } catch let refusal as ClusterRefusal {
            state.withLock { $0.superseded = refusal }
            wake()
        } catch {
            let first = state.withLock { state -> Bool in
                defer { if state.failingSince == nil { state.failingSince = Date() } }
                return state.failingSince == nil
            }
            if first {
                logger.warning("heartbeat failed; the node's leases lapse if this lasts longer than the lease",
                    metadata: ["error": "\(error)", "lease": "\(membership.lease)"])
            }
        }
        return nil
    }

    /// The live nodes and the rules each runs, and the cluster's: what the assignment depends on.
    private static func eligible(in view: ClusterView) -> Assignment {
        Assignment(live: Dictionary(uniqueKeysWithValues: view.nodes.filter(\.isLive).map { ($0.id, $0.fingerprint) }),
            rules: view.fingerprint)
    }

    /// What rendezvous hashing and the rules check read of a view: the live nodes with their
    /// rules, and the cluster's rules.
    private struct Assignment: Equatable {
        var live: [String: String]
        var rules: String?
    }

    /// Beats every third of the lease until ``stop()``.
    func start() {
        let interval = Double(membership.lease.milliseconds) / 3000
        let thread = Thread { [self] in
            while !state.withLock({ $0.stopped }) {
                Thread.sleep(forTimeInterval: interval)
                if state.withLock({ $0.stopped }) { break }
                beat()
            }
        }
        thread.name = "contextd-heartbeat"
        thread.start()
    }

    func stop() {
        state.withLock { $0.stopped = true }
    }
}
