import ContextdEngine
import ContextdEvents
import ContextdStore
import Logging

/// The node's part of the cluster (decision 0018 §2): which partitions it holds, the cohorts
/// that hold their state (``Cohort``), and the heartbeat that keeps its leases.
final class NodeCluster {
    let membership: Membership
    let store: any ClusterMembership
    let heartbeat: NodeHeartbeat
    var cohorts: [Cohort] = []
    /// When the loop last compared its partitions with the assignment.
    var lastRebalance: Timestamp?
    /// For each partition held, the heartbeat's view number when it was taken.
    var takenAt: [Int: Int] = [:]
    /// The rules this node runs (``RuleFingerprint``); a reload changes it.
    var fingerprint: String
    /// The last "rules differ" said, so that it is said once per difference.
    var differenceSaid: String?
    /// Whether the policies that cross partitions were named (once, when a second node shows).
    var crossingsSaid = false
    /// What the cohorts' watermarks did.
    let watermarkTally = PartitionWatermark.Tally()
    /// Signalled with ``logWatch``: what a watermark that waits waits on.
    let progressSignal = ProgressSignal()
    /// Wakes the loop when another node appended to the log or committed a position.
    var logWatch: LogWatch?
    /// Whether the cohort furthest behind waits for other partitions (``PartitionWatermark``):
    /// the loop looks again soon rather than at its next rescan.
    var waitsForOthers = false
    /// The rule sets the cohorts evaluate with: the cluster's at their positions.
    let ruleSets: ClusterRuleSets

    init(
        membership: Membership, store: any ClusterMembership, heartbeat: NodeHeartbeat, fingerprint: String,
        dataDirectory: String
    ) {
        self.membership = membership
        self.fingerprint = fingerprint
        self.store = store
        self.heartbeat = heartbeat
        ruleSets = ClusterRuleSets(dataDirectory: dataDirectory)
    }

    var node: String { membership.identity.node }
    var partitions: Set<Int> { cohorts.reduce(into: Set<Int>()) { $0.formUnion($1.partitions) } }
    /// The fence of a commit that touches no partition (outcomes forgotten, outbox marks): it
    /// still numbers the commit on the node's row, never on the single-daemon `engine_meta`.
    var bareFence: CommitFence {
        CommitFence(node: node, incarnation: membership.incarnation, leases: [], position: 0, clock: nil)
    }

    /// The position the node has applied: its furthest cohort's (the heartbeat reports it).
    var position: Int64 { cohorts.map(\.position).max() ?? 0 }
}

/// The loop of a node among several: rebalancing its partitions to the assignment, applying
/// the log cohort by cohort, committing under the fence of its leases.
extension Pipeline {
    /// Joins the cluster (refused: another live node under this id, another partition count)
    /// and makes the heartbeat; no partition is held yet (``rebalance(force:)`` takes them).
    static func joinCluster(
        _ settings: ClusterSettings, store: any ClusterMembership, configuration: DaemonConfiguration,
        logger: Logger, wake: @escaping @Sendable () -> Void
    ) throws -> NodeCluster {
        let identity = NodeIdentity(node: settings.node, instance: try NodeInstance.id(in: configuration.dataDirectory))
        // Kept before it is reported: the cluster may switch to these rules at the first heartbeat.
        let files = RuleFingerprint.files(paths: configuration.rules)
        let fingerprint = RuleFingerprint.of(files: files)
        try store.storeRuleSet(fingerprint, files: files)
        let membership = try store.join(identity, partitions: settings.partitions, lease: settings.lease,
            fingerprint: fingerprint)
        logger.notice("joined the cluster", metadata: [
            "node": "\(identity.node)", "incarnation": "\(membership.incarnation)",
            "partitions": "\(membership.partitions)", "lease": "\(membership.lease)", "rules": "\(fingerprint)",
        ])
        let heartbeat = NodeHeartbeat(membership: membership, cluster: store, logger: logger, wake: wake)
        heartbeat.report { $0.fingerprint = fingerprint }
        let cluster = NodeCluster(membership: membership, store: store, heartbeat: heartbeat, fingerprint: fingerprint,
            dataDirectory: configuration.dataDirectory)
        let signal = cluster.progressSignal
        cluster.logWatch = store.watchLog {
            signal.signal()
            wake()
        }
        return cluster
    }

    /// After a reload: the node loaded other rules. They are kept in the store, then reported
    /// in a heartbeat at once; once every live node reports them, the heartbeat that sees it
    /// appends a `rules` entry and every partition switches there (``switchRules(of:to:in:)``).
    /// Until then the node holds no partition (the next step rebalances first), and its cohorts
    /// never run the new rules before that entry.
    func noteRulesReloaded() {
        guard let cluster = nodeLog?.cluster else { return }
        let files = RuleFingerprint.files(paths: configuration.rules)
        let fingerprint = RuleFingerprint.of(files: files)
        do {
            try cluster.store.storeRuleSet(fingerprint, files: files)
        } catch {
            // Not reported then: the cluster cannot switch to rules it cannot read.
            logger.error("the reloaded rules could not be kept in the store; the cluster keeps running the rules it has",
                metadata: ["rules": "\(fingerprint)", "error": "\(error)"])
            return
        }
        cluster.fingerprint = fingerprint
        cluster.heartbeat.report { $0.fingerprint = fingerprint }
        // At once, not at the next beat: when this node was the last to load them, the change
        // lands in the log before anything appended after the reload, and the node keeps its
        // partitions (its rules are the cluster's by the time it rebalances).
        cluster.heartbeat.beat()
        cluster.lastRebalance = nil
    }

    /// The rule set of `fingerprint`, the node's own or as the store keeps it.
    func clusterRuleSet(_ fingerprint: String, in cluster: NodeCluster) throws -> RuleSet {
        try cluster.ruleSets.ruleSet(fingerprint, own: (cluster.fingerprint, ruleSet), store: cluster.store)
    }

    /// A `rules` entry: the cohort evaluates the entries after it with the rules of
    /// `fingerprint`, and what crosses partitions is what those rules say.
    func switchRules(of cohort: Cohort, to fingerprint: String, in cluster: NodeCluster) throws {
        let ruleSet = try clusterRuleSet(fingerprint, in: cluster)
        cohort.engine.replace(ruleSet: ruleSet)
        cohort.rules = fingerprint
        cohort.watermark = makeWatermark(for: cohort, in: cluster)
        cohort.readAhead = []
        cluster.ruleSets.keep(only: Set(cluster.cohorts.map(\.rules)).union([cluster.fingerprint]))
        logger.notice("the cluster's rules switched", metadata: [
            "rules": "\(fingerprint)", "position": "\(cohort.position)",
            "partitions": "\(cohort.partitions.count)",
        ])
    }

    /// Stops when another process joined under this node's id.
    func checkMembership() throws {
        if let refusal = nodeLog?.cluster.heartbeat.superseded { throw refusal }
    }

    // MARK: - Rebalancing

    /// Compares the partitions held with the assignment of the last heartbeat's live nodes (at
    /// most once per heartbeat interval unless `force`): gives up what another live node should
    /// own, after committing it, and takes what this node should own and nobody holds.
    func rebalance(force: Bool = false) throws {
        guard let cluster = nodeLog?.cluster else { return }
        let now = wallClock()
        let interval = TimeSpan(milliseconds: cluster.membership.lease.milliseconds / 3)
        guard force || cluster.lastRebalance.map({ now - $0 >= interval }) ?? true else { return }
        cluster.lastRebalance = now
        guard let (view, number) = cluster.heartbeat.numbered else { return }
        let lost = lostPartitions(of: cluster, in: view, number: number)
        if !lost.isEmpty { throw FencedOut(partitions: lost) }
        let (wanted, nodes) = assignment(of: cluster, in: view)
        let held = cluster.partitions
        let giving = held.subtracting(wanted)
        if !giving.isEmpty { try release(giving, of: cluster) }
        let leases = Dictionary(uniqueKeysWithValues: view.leases.map { ($0.partition, $0) })
        let taking = wanted.subtracting(held).filter { partition in
            guard let lease = leases[partition] else { return true }
            return lease.owner == nil || lease.isExpired || lease.owner == cluster.node
        }
        if !taking.isEmpty { try take(taking, of: cluster) }
        if nodes > 1 { nameCrossings(once: cluster) }
        store(scope: cluster)
    }

    /// Partitions this node holds that `view` (the heartbeat's `number`th) gives another owner:
    /// this node was paused, or cut off, past its lease, and its state of them is stale. Nothing
    /// of it can be committed (the fence) or published (the staged mark); the node stops and
    /// starts again. A view read before this node took a partition cannot say so yet: only one
    /// numbered two past the taking counts.
    private func lostPartitions(of cluster: NodeCluster, in view: ClusterView, number: Int) -> [Int] {
        let leases = Dictionary(uniqueKeysWithValues: view.leases.map { ($0.partition, $0) })
        return cluster.partitions.filter { partition in
            guard let lease = leases[partition], number >= (cluster.takenAt[partition] ?? 0) + 2 else { return false }
            return lease.owner != cluster.node || lease.ownerIncarnation != cluster.membership.incarnation
        }.sorted()
    }

    /// The partitions rendezvous hashing gives this node among the live nodes that run the
    /// cluster's rules (decision 0018 §4), and how many nodes share them; none when this node's
    /// rules differ (said once per difference).
    private func assignment(of cluster: NodeCluster, in view: ClusterView) -> (wanted: Set<Int>, nodes: Int) {
        let rules = view.fingerprint ?? cluster.fingerprint
        var live = Set(view.nodes.filter { $0.isLive && $0.fingerprint == rules }.map(\.id))
        guard cluster.fingerprint == rules else {
            let difference = "\(cluster.fingerprint) \(rules)"
            if cluster.differenceSaid != difference {
                cluster.differenceSaid = difference
                logger.warning("rules differ from the cluster's; this node takes no partition until every node runs the same rules",
                    metadata: ["node_rules": "\(cluster.fingerprint)", "cluster_rules": "\(rules)"])
            }
            live.remove(cluster.node)
            return ([], live.count)
        }
        cluster.differenceSaid = nil
        live.insert(cluster.node)
        return (Rendezvous.partitions(of: cluster.node, among: Array(live), count: cluster.membership.partitions), live.count)
    }

    /// Names what of the rules crosses partitions (``CrossingPlan``), once, when a second node
    /// shows: alone, one engine holds every partition and nothing waits.
    private func nameCrossings(once cluster: NodeCluster) {
        guard !cluster.crossingsSaid else { return }
        cluster.crossingsSaid = true
        for item in CrossingPlan(ruleSet).crossings {
            switch item.verdict {
            case .local:
                break
            case .waits(let why):
                logger.notice("\(item.kind.rawValue) crosses partitions; its steps wait for the other nodes (decision 0018 §3)",
                    metadata: ["\(item.kind.rawValue)": "\(item.id)", "why": "\(why)"])
            case .notExact(let why):
                logger.warning("\(item.kind.rawValue) is not exact on several nodes (decision 0018 §3)",
                    metadata: ["\(item.kind.rawValue)": "\(item.id)", "file": "\(item.file)", "why": "\(why)"])
            }
        }
    }

    /// Takes `partitions` (those another node still holds are left for a later round) and
    /// gives each group standing at one position a cohort restored from the store.
    private func take(_ partitions: Set<Int>, of cluster: NodeCluster) throws {
        var taken: [PartitionLease] = []
        let views = cluster.heartbeat.views
        for partition in partitions.sorted() {
            if let lease = try cluster.store.acquire(partition, for: cluster.membership) {
                taken.append(lease)
                cluster.takenAt[partition] = views
            }
        }
        guard !taken.isEmpty else { return }
        try finishCommit()
        for (position, leases) in Dictionary(grouping: taken, by: \.appliedPosition).sorted(by: { $0.key < $1.key }) {
            let clock = leases.compactMap(\.clock).max()
            let cohort = try makeCohort(Dictionary(uniqueKeysWithValues: leases.map { ($0.partition, $0.epoch) }),
                position: position, clock: clock, cluster: cluster)
            cluster.cohorts.append(cohort)
            logger.notice("partitions taken", metadata: [
                "partitions": "\(leases.map(\.partition).sorted().map(String.init).joined(separator: ","))",
                "position": "\(position)", "epochs": "\(leases.map(\.epoch).map(String.init).joined(separator: ","))",
            ])
        }
        try mergeCohorts(of: cluster)
    }

    /// Commits what the cohorts holding `partitions` applied, gives the leases up, and restores
    /// those cohorts without them.
    private func release(_ partitions: Set<Int>, of cluster: NodeCluster) throws {
        try finishCommit()
        var kept: [Cohort] = []
        for cohort in cluster.cohorts {
            let leaving = cohort.partitions.intersection(partitions)
            guard !leaving.isEmpty else {
                kept.append(cohort)
                continue
            }
            try commitPosition(of: cohort, in: cluster)
            for partition in leaving.sorted() {
                try cluster.store.release(partition, epoch: cohort.leases[partition]!, for: cluster.membership)
            }
            logger.notice("partitions given up", metadata: [
                "partitions": "\(leaving.sorted().map(String.init).joined(separator: ","))", "position": "\(cohort.position)",
            ])
            let remaining = cohort.leases.filter { !leaving.contains($0.key) }
            if !remaining.isEmpty {
                kept.append(try makeCohort(remaining, position: cohort.position, clock: cohort.engine.clock, cluster: cluster))
            }
        }
        cluster.cohorts = kept
        activate(cluster.cohorts.first, in: cluster)
    }

    /// Cohorts standing at one position become one, restored from the store for all their
    /// partitions (each committed there first).
    func mergeCohorts(of cluster: NodeCluster) throws {
        let groups = Dictionary(grouping: cluster.cohorts, by: \.position)
        guard groups.values.contains(where: { $0.count > 1 }) else {
            activate(cluster.cohorts.min { $0.position < $1.position }, in: cluster)
            return
        }
        try finishCommit()
        var merged: [Cohort] = []
        for (position, cohorts) in groups.sorted(by: { $0.key < $1.key }) {
            guard cohorts.count > 1 else {
                merged.append(cohorts[0])
                continue
            }
            for cohort in cohorts { try commitPosition(of: cohort, in: cluster) }
            let leases = cohorts.reduce(into: [Int: Int64]()) { $0.merge($1.leases) { first, _ in first } }
            merged.append(try makeCohort(leases, position: position,
                clock: cohorts.compactMap(\.engine.clock).max(), cluster: cluster))
        }
        cluster.cohorts = merged
        activate(cluster.cohorts.min { $0.position < $1.position }, in: cluster)
    }

    /// A cohort for `leases` at `position`, its engine restored from the store (timers, deferred
    /// tasks and keys of those partitions; contexts read back by subject as events need them).
    private func makeCohort(_ leases: [Int: Int64], position: Int64, clock: Timestamp?, cluster: NodeCluster) throws -> Cohort {
        let snapshot = try cluster.store.snapshot(partitions: leases.keys.sorted(), count: cluster.membership.partitions,
            clock: clock)
        // The cluster's rules in force after `position`; a cluster that recorded none runs this node's.
        let rules = try cluster.store.rulesInForce(after: position) ?? cluster.fingerprint
        let engine = makeEngine(restoring: snapshot, ruleSet: try clusterRuleSet(rules, in: cluster))
        let count = cluster.membership.partitions
        engine.partitionOf = { Int(EntityPartition.of($0) % Int64(count)) }
        let cohort = Cohort(leases: leases, position: position, engine: engine, rules: rules)
        cohort.watermark = makeWatermark(for: cohort, in: cluster)
        return cohort
    }

    /// The gate of a cohort that does not hold every partition, when the rules reach across
    /// partitions (``CrossingPlan``); nil otherwise, and then nothing waits. Sets up the
    /// cohort's engine to read again what other partitions write (the contexts it reads of
    /// their subjects, the keys their tasks share), or not to.
    func makeWatermark(for cohort: Cohort, in cluster: NodeCluster) -> PartitionWatermark? {
        let plan = CrossingPlan(cohort.engine.ruleSet)
        let count = cluster.membership.partitions
        guard !plan.isLocal, cohort.partitions.count < count else {
            cohort.engine.tracksEntityReads = false
            cohort.engine.sharedKeys = nil
            return nil
        }
        let owning = cohort.owning(count: count)
        let store = cluster.store
        let failure = PartitionWatermark.ReadFailure()
        cohort.engine.tracksEntityReads = plan.readsOtherEntities
        cohort.engine.sharedKeys = plan.sharedKeyPrefixes.isEmpty ? nil : SharedKeySource(prefixes: plan.sharedKeyPrefixes,
            readDedup: { key in failure.recording { try store.sharedDedupKey(key) } },
            readLimit: { key in failure.recording { try store.sharedLimitKey(key) } })
        return PartitionWatermark(
            failure: failure, plan: plan, owning: owning, tally: cluster.watermarkTally, signal: cluster.progressSignal,
            progress: { [unowned self] in
                // This node's own commits (of other cohorts too) must be in the store first.
                try self.finishCommit()
                return try store.progress()
            },
            refresh: { engine in
                if plan.readsOtherEntities {
                    engine.forgetEntityReads { !owning.owns(EntityPartition.of($0)) }
                }
                engine.invalidateSharedKeys()
            })
    }

    /// Writes a cohort's applied position under its fence when a slice that moved only the clock
    /// left it uncommitted: a cohort is merged, or gives a partition up, at a committed position.
    private func commitPosition(of cohort: Cohort, in cluster: NodeCluster) throws {
        guard cohort.committed < cohort.position else { return }
        activate(cohort, in: cluster)
        try commit(Commit(changes: engine.takeChanges(), fence: cohort.fence(cluster.membership)))
        try finishCommit()
        cohort.committed = cohort.position
    }

    /// The loop's engine becomes `cohort`'s (an empty one when the node holds nothing).
    func activate(_ cohort: Cohort?, in cluster: NodeCluster) {
        let next = cohort?.engine ?? placeholderEngine
        guard next !== engine else { return }
        engine = next
        telemetry.switched(to: next)
    }

    /// The outbox ledger selects only what this node's partitions hold.
    private func store(scope cluster: NodeCluster) {
        cluster.store.scopeOutbox(to: OutboxScope(node: cluster.node, incarnation: cluster.membership.incarnation, partitions: cluster.partitions,
            count: cluster.membership.partitions))
    }

    // MARK: - Evaluation

    /// One slice of the cohort furthest behind, never past the next cohort's position (so the
    /// two meet and merge); committed under its fence. False when every cohort is at the head.
    func applyCohortSlice() throws -> Bool {
        guard let nodeLog else { return false }
        let cluster = nodeLog.cluster
        let ordered = cluster.cohorts.sorted { $0.position < $1.position }
        guard let cohort = ordered.first else { return false }
        let bound = ordered.dropFirst().first?.position
        var limit = configuration.batchEvents
        if let bound { limit = min(limit, Int(bound - cohort.position)) }
        guard limit > 0 else {
            try mergeCohorts(of: cluster)
            return true
        }
        if engine !== cohort.engine {
            try finishCommit()
            activate(cohort, in: cluster)
        }
        let before = engine.statistics
        let slice = try nodeLog.evaluation.evaluate(engine, after: cohort.position, limit: limit,
            owning: cohort.owning(count: cluster.membership.partitions), watermark: cohort.watermark,
            readAhead: &cohort.readAhead)
        // A shared key that could not be read: what the engine did without it is not committed.
        try cohort.watermark?.failure.check()
        if let fingerprint = slice.switchesRulesTo {
            cohort.position = slice.lastPosition
            try switchRules(of: cohort, to: fingerprint, in: cluster)
        }
        cluster.waitsForOthers = slice.waiting && slice.entries == 0
        guard slice.entries > 0 else { return false }
        telemetry.crossings(releases: engine.statistics.crossingReleases - before.crossingReleases,
            contactDecisions: engine.statistics.crossingContactDecisions - before.crossingContactDecisions)
        cohort.position = slice.lastPosition
        var changes = engine.takeChanges()
        // The log refuses duplicates: the engine's record of seen events is not kept on this path.
        changes.seenEvents = []
        // A cohort behind a watermark commits every slice, clock steps alone included: the
        // others wait on its position.
        if cohort.watermark == nil && slice.changes.isEmpty && changes.isEmpty && completed.isEmpty
            && !delivery.awaitsMarks && group.tally.isEmpty
        {
            telemetry.clockMoved(to: engine.clock)
        } else {
            let tally = group.tally
            group.tally = [:]
            try commit(Commit(changes: changes, tasks: slice.changes, fence: cohort.fence(cluster.membership)), tally: tally)
            cohort.committed = cohort.position
        }
        if let bound, cohort.position == bound { try mergeCohorts(of: cluster) }
        cluster.heartbeat.report { $0.position = cluster.position }
        return true
    }

    /// Whether the cohort furthest behind waits for other nodes' partitions.
    var waitsForOthers: Bool { nodeLog?.cluster.waitsForOthers ?? false }

    /// How soon a node that waits for others looks again at where they stand.
    static let watermarkPoll = TimeSpan(milliseconds: 2)

    /// The earliest timer of every cohort's engine.
    var nextTimerOfCohorts: Timestamp? {
        nodeLog?.cluster.cohorts.compactMap(\.engine.nextTimer).min()
    }
}
