import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdSpool
import ContextdStore

/// Puts the ``StatusReport`` together on request, from the loop's ``StatusBoard``, the store's
/// own probe and a look at the spool and outbox directories. Nothing here runs per event: a
/// daemon nobody asks pays nothing for it.
struct StatusAssembly: Sendable {
    let board: StatusBoard
    let store: any StoreHealthProbe
    let inputs: [(name: String, path: String)]
    let outboxNew: String
    let version: String
    /// A node's heartbeat, whose latest view the `cluster` part shows; nil for a daemon alone.
    var heartbeat: NodeHeartbeat? = nil

    func report(notReady: [String], now: Timestamp) async -> StatusReport {
        let state = board.snapshot
        let tally = try? await store.taskTally(at: state.clock)
        let health = await store.health()
        return StatusReport(
            ready: notReady.isEmpty, notReady: notReady, version: version, startedAt: board.startedAt.rfc3339,
            clock: StatusReport.Clocks(
                engine: state.clock?.rfc3339, wall: now.rfc3339,
                lagSeconds: state.clock.map { Double((now - $0).milliseconds) / 1000 }, followsWallClock: true),
            spools: inputs.map { spool(named: $0.name, path: $0.path, state: state, now: now) },
            tasks: tasks(tally),
            rules: rules(state),
            events: StatusReport.EventTally(
                total: state.events.total, duplicates: state.events.duplicates, rejected: state.events.rejected,
                late: state.events.late, future: state.events.future,
                perSecond: state.minutes.eventsPerSecond(at: now)),
            store: StatusReport.StoreStatus(
                kind: health.kind, location: health.location, sizeBytes: health.sizeBytes,
                lastCommit: health.lastCommit?.rfc3339, lastError: health.lastError),
            lastHour: state.minutes.hour(endingAt: now).map {
                StatusReport.Minute(at: $0.start.rfc3339, events: $0.events, tasks: $0.tasks)
            },
            cluster: heartbeat.flatMap(Self.cluster))
    }

    /// The cluster as the heartbeat last saw it (at most a third of the lease old).
    private static func cluster(_ heartbeat: NodeHeartbeat) -> StatusReport.ClusterStatus? {
        let node = heartbeat.membership.identity.node
        let rules = heartbeat.fingerprint
        guard let view = heartbeat.latest else {
            return StatusReport.ClusterStatus(node: node, rules: rules, clusterRules: nil, refusal: nil, head: 0, nodes: [],
                partitions: [])
        }
        var owned: [String: Int] = [:]
        for lease in view.leases { if let owner = lease.owner { owned[owner, default: 0] += 1 } }
        let refusal = view.fingerprint.flatMap { cluster in
            cluster == rules ? nil : "rules differ: this node runs \(rules), the cluster \(cluster); it takes no partition "
                + "until every node runs the same rules"
        }
        return StatusReport.ClusterStatus(
            node: node, rules: rules, clusterRules: view.fingerprint, refusal: refusal, head: view.head,
            nodes: view.nodes.map {
                StatusReport.ClusterStatus.Node(id: $0.id, live: $0.isLive, incarnation: $0.incarnation, rules: $0.fingerprint,
                    drained: $0.drained, position: $0.position, partitions: owned[$0.id] ?? 0,
                    heartbeatAt: $0.heartbeatAt.rfc3339)
            },
            partitions: view.leases.map {
                StatusReport.ClusterStatus.Partition(partition: $0.partition, owner: $0.owner, epoch: $0.epoch,
                    applied: $0.appliedPosition, lag: max(0, view.head - $0.appliedPosition))
            })
    }

    private func spool(named name: String, path: String, state: StatusBoard.State, now: Timestamp)
        -> StatusReport.SpoolStatus
    {
        let activity = state.spools[name] ?? StatusBoard.SpoolActivity()
        return StatusReport.SpoolStatus(
            name: name, path: path, new: Self.entries(path + "/new"), cur: Self.entries(path + "/cur"),
            // The total is counted by the HTTP side, from the file itself (``FileLineCounts``).
            inProgress: activity.inProgress.map { StatusReport.FileInProgress(file: $0.file, done: $0.done, total: nil) },
            doneLastHour: activity.done.count(at: now), rejectedLastHour: activity.rejected.count(at: now),
            lastRejects: activity.lastRejects.map { StatusReport.RejectedFile(file: $0.file, reason: $0.reason, at: $0.at.rfc3339) })
    }

    private func tasks(_ tally: StoredTaskTally?) -> StatusReport.TaskTally {
        let tally = tally ?? StoredTaskTally()
        func count(_ state: TaskDelivery) -> Int { tally.byDelivery[state] ?? 0 }
        return StatusReport.TaskTally(
            // A staged task's file is complete in the outbox's tmp/: on its way to `written`.
            pending: count(.pending), deferred: tally.deferred, written: count(.written) + count(.staged),
            queued: count(.queued), leased: count(.leased), acked: tally.acked, expired: count(.expired),
            expiredOnArrival: tally.expiredOnArrival, dead: count(.dead), outboxDepth: Self.entries(outboxNew))
    }

    private func rules(_ state: StatusBoard.State) -> StatusReport.RulesStatus {
        let rules = state.rules.map { rule in
            let statistics = state.ruleStatistics[rule.id] ?? RuleStatistics()
            return StatusReport.RuleStatus(
                id: rule.id, description: rule.description.isEmpty ? nil : rule.description, file: rule.file,
                evaluations: statistics.evaluations, matches: statistics.matches, tasks: statistics.tasks,
                suppressed: statistics.suppressedBy, errors: statistics.errors,
                lastError: state.ruleFaults[rule.id].map {
                    StatusReport.RuleError(message: $0.message, event: $0.event, at: $0.at.rfc3339)
                })
        }
        let reload = state.lastReload.map { reload in
            StatusReport.Reload(at: reload.at.rfc3339, ok: reload.ok, errors: reload.errors.map {
                StatusReport.Located(file: $0.file, line: $0.line, column: $0.column, message: $0.message)
            })
        }
        return StatusReport.RulesStatus(
            count: rules.count, lastReload: reload ?? StatusReport.Reload(at: board.startedAt.rfc3339, ok: true, errors: []),
            rules: rules)
    }

    /// Entries of a directory (0 when it cannot be read: the report still answers).
    private static func entries(_ path: String) -> Int {
        (try? directoryEntries(path).count) ?? 0
    }
}
