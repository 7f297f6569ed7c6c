import ContextdEvents
import ContextdTestKit
import Foundation
import Testing

/// Several `contextd run` nodes of one cluster on one PostgreSQL database, on this machine:
/// each a ``DaemonSandbox`` of its own (spool, outbox, data directory, HTTP on port 0) whose
/// configuration names the shared database and `cluster.node`.
///
/// The rules are the stock rules without the two files whose rules cross partitions
/// (sessions.yaml's defer-on-mobile reads the assignee's sessions, contact.yaml's cap counts
/// per assignee): increment 2 of decision 0018 makes partition-local rules exact; the
/// watermark for the others comes with increment 3.
final class ClusterSandbox {
    static let crossingRules = ["sessions.yaml", "contact.yaml"]

    let database: SandboxDatabase
    private(set) var nodes: [DaemonSandbox] = []
    private let batchEvents: Int
    private let lease: String

    /// With `stockRules` every node gets the whole stock rule set, crossing policies included.
    init(nodes names: [String], batchEvents: Int = 50, lease: String = "2s", stockRules: Bool = false) throws {
        database = try SandboxDatabase()
        self.batchEvents = batchEvents
        self.lease = lease
        leftOut = stockRules ? [] : Self.crossingRules
        for name in names { try add(name) }
    }

    private let leftOut: [String]

    /// A node more (not started): a node joining the cluster.
    @discardableResult
    func add(_ name: String) throws -> DaemonSandbox {
        let node = try DaemonSandbox(backend: .eventLog, postgres: database, batchEvents: batchEvents, node: name,
            lease: lease, leavingOut: leftOut)
        nodes.append(node)
        return node
    }

    subscript(name: String) -> DaemonSandbox {
        nodes.first { $0.nodeName == name }!
    }

    /// Starts every node and waits until each joined the cluster (the schema is there then).
    func startAll() throws {
        for node in nodes { try node.start() }
        for node in nodes { try waitUntilJoined(node) }
    }

    /// Starts `node` and waits until it joined.
    func start(_ node: DaemonSandbox) throws {
        let joins = node.logText.components(separatedBy: "joined the cluster").count
        try node.start()
        try waitUntilJoined(node, after: joins)
    }

    private func waitUntilJoined(_ node: DaemonSandbox, after joins: Int = 1) throws {
        try DaemonSandbox.waitUntil("\(node.nodeName) joins the cluster", timeout: 60, log: { node.logText }) {
            node.logText.components(separatedBy: "joined the cluster").count > joins
        }
    }

    func stopAll() throws {
        for node in nodes where node.process != nil { #expect(try node.stop() == 0, "\(node.nodeName) stops with 0") }
    }

    /// Drops each of `files` into the spool of a node `random` picks among `nodes` (every node by
    /// default), as producers reach whichever node they reach.
    func dropAtRandom(
        _ files: some Sequence<(name: String, text: String)>, random: inout SplitMix, among nodes: [DaemonSandbox]? = nil
    ) throws {
        let nodes = nodes ?? self.nodes
        for file in files { try nodes[Int(random.next() % UInt64(nodes.count))].drop(file.name, file.text) }
    }

    /// Every spool drained, every event applied by the owner of its partition, and every
    /// partition held by a live node.
    func waitUntilSettled(timeout: Double = 180, ignoring stopped: Set<String> = []) throws {
        try DaemonSandbox.waitUntil("the cluster settles", timeout: timeout, log: { self.logs }) {
            guard nodes.filter({ !stopped.contains($0.nodeName) }).allSatisfy(\.isDrained) else { return false }
            let waiting = try database.execute("""
                SELECT count(*)::text FROM event_log e
                JOIN partition_lease l ON e.partition % (SELECT partitions FROM cluster) = l.partition
                WHERE e.kind = 'event' AND e.pos > l.applied_pos
                """)
            let orphans = try database.execute("""
                SELECT count(*)::text FROM partition_lease WHERE owner IS NULL OR expires_at <= now()
                """)
            return waiting.first == "0" && orphans.first == "0"
        }
    }

    /// The union of the nodes' outboxes; a task in two outboxes is an issue.
    func outboxTasks() throws -> [String: String] {
        var union: [String: String] = [:]
        for node in nodes {
            for (id, line) in try node.outboxTasks() {
                #expect(union[id] == nil, "task \(id) is in two outboxes")
                union[id] = line
            }
        }
        return union
    }

    /// The first column of the first row of `sql`, as text; nil when there is none.
    /// The decisions the running nodes made across partitions (their
    /// `contextd_partition_crossings_total`), summed.
    func crossings() throws -> (releases: Int, contactDecisions: Int) {
        var releases = 0.0, decisions = 0.0
        for node in nodes where node.process != nil {
            let metrics = HTTPProcessTests.samples(RawConnections.fetch("/metrics", port: try node.httpPort())?.body ?? "")
            releases += metrics[#"contextd_partition_crossings_total{kind="release"}"#] ?? 0
            decisions += metrics[#"contextd_partition_crossings_total{kind="contact_cap"}"#] ?? 0
        }
        return (Int(releases), Int(decisions))
    }

    func value(_ sql: String) throws -> String? {
        let rows: [String?] = try database.execute(sql)
        guard let first = rows.first else { return nil }
        return first
    }

    /// How many partitions `node` holds now.
    func partitions(of node: String) throws -> Int {
        Int(try value("SELECT count(*)::text FROM partition_lease WHERE owner = '\(node)'") ?? "") ?? -1
    }

    /// Who owns which partition now.
    func owners() throws -> [String: Int] {
        let rows = try database.execute("SELECT coalesce(owner, '-') FROM partition_lease")
        return rows.reduce(into: [:]) { $0[$1 ?? "-", default: 0] += 1 }
    }

    /// `contextd log export --output` into `export/` of the first node; the replay arguments it printed.
    func exportArguments() throws -> [String] {
        let node = nodes[0]
        let exported = node.directory.appendingPathComponent("export-\(UUID().uuidString.prefix(8))")
        let run = try node.runToEnd(["log", "export", "--output", exported.path])
        #expect(run.status == 0, "\(run.error)")
        return Array(run.output.trimmingCharacters(in: .newlines).split(separator: " ").map(String.init).dropFirst(2))
    }

    /// Every node's log, for a failed wait.
    var logs: String {
        nodes.map { "== \($0.nodeName)\n" + String($0.logText.suffix(4000)) }.joined(separator: "\n")
    }
}
