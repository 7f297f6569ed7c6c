import ContextdEvents
import ContextdTestKit
import Foundation
import Testing

/// Three nodes of one cluster on one PostgreSQL (decision 0018, increment 2: partitions,
/// leases, fencing, takeover; partition-local rules): files dropped at random across their
/// spools, nodes killed, paused, joining and leaving, and the union of the outboxes always
/// what `replay` of the exported log gives, field by field, no task twice.
@Suite(.serialized, .blocksAThread) struct ClusterTests {
    static let start = ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z")!

    @Test(.postgres) func threeNodesOnABacklogEqualReplayOfTheExport() throws {
        let cluster = try ClusterSandbox(nodes: ["node-a", "node-b", "node-c"])
        let files = EventMix(customers: 900, start: Self.start, seed: 31).files(perFile: 20)
        var random = SplitMix(state: 7)
        try cluster.dropAtRandom(files, random: &random)
        try cluster.startAll()
        try cluster.waitUntilSettled()
        let owners = try cluster.owners()
        #expect(Set(owners.keys) == ["node-a", "node-b", "node-c"], "\(owners)")
        #expect(owners.values.allSatisfy { $0 >= 10 }, "each node holds a share of the 64 partitions: \(owners)")
        try cluster.stopAll()

        let compared = try Self.expectReplayOfTheExport(cluster, files: files)
        for node in cluster.nodes {
            #expect(try !node.outboxTasks().isEmpty, "\(node.nodeName) wrote the tasks of its partitions")
        }
        print("cluster backlog: 3 nodes, \(files.count) files, \(compared) tasks compared, owners \(owners)")
    }

    /// The stock rules, crossing policies included (decision 0018 §3): leads' tasks go to CRM
    /// users whose sessions (another entity, mostly of another partition) defer them and
    /// release them early, and the contact cap counts each user's tasks across every lead's
    /// partition. Still `replay` of the export, field by field; the nodes' own counts say how
    /// many releases and cap decisions reached across partitions, and there must be some.
    @Test(.postgres) func threeNodesWithTheStockRulesEqualReplayAcrossPartitions() throws {
        let cluster = try ClusterSandbox(nodes: ["node-a", "node-b", "node-c"], stockRules: true)
        let files = EventMix(customers: 600, start: Self.start, seed: 43).files(perFile: 20)
        var random = SplitMix(state: 11)
        try cluster.dropAtRandom(files, random: &random)
        let started = Date()
        try cluster.startAll()
        try cluster.waitUntilSettled()
        let took = Date().timeIntervalSince(started)
        let crossings = try cluster.crossings()
        let owners = try cluster.owners()
        try cluster.stopAll()

        #expect(Set(owners.keys) == ["node-a", "node-b", "node-c"], "\(owners)")
        for node in cluster.nodes {
            let said = node.logText.split(separator: "\n").last { $0.contains("watermark") } ?? "no watermark line"
            print("\(node.nodeName): \(said)")
        }
        let compared = try Self.expectReplayOfTheExport(cluster, files: files)
        #expect(crossings.releases > 0, "deferred tasks released by a session of another partition: \(crossings)")
        #expect(crossings.contactDecisions > 0, "contact-cap decisions for an assignee of another partition: \(crossings)")
        print("""
            cluster stock rules: 3 nodes, \(files.count) files in \(String(format: "%.1f", took)) s, \(compared) tasks compared, \
            \(crossings.releases) releases and \(crossings.contactDecisions) contact-cap decisions across partitions
            """)
    }

    /// A node SIGKILLed at random (another each time, at least ten times) while files keep
    /// arriving at random nodes: sometimes restarted at once (it takes its own partitions
    /// back), sometimes left dead until the others took its partitions (the takeover time is
    /// measured: from the kill until no partition is the dead node's).
    @Test(.postgres) func nodesKilledAtRandomChangeNothing() throws {
        try Self.killNodesAtRandom(stockRules: false, customers: 1200)
    }

    /// The same with the stock rules whole: the steps that cross partitions wait for a dead
    /// node's partitions until they are taken over, and are still exact.
    @Test(.postgres) func nodesKilledAtRandomChangeNothingWithTheStockRules() throws {
        try Self.killNodesAtRandom(stockRules: true, customers: 300)
    }

    static func killNodesAtRandom(stockRules: Bool, customers: Int) throws {
        let cluster = try ClusterSandbox(nodes: ["node-a", "node-b", "node-c"], stockRules: stockRules)
        let files = EventMix(customers: customers, start: Self.start, seed: 17).files(perFile: 10)
        var random = SplitMix(state: 99)
        let upfront = files.count / 2
        try cluster.dropAtRandom(files[..<upfront], random: &random)
        try cluster.startAll()
        var dropped = upfront
        var takeovers: [Double] = []
        var kills = 0
        while kills < 12 {
            Thread.sleep(forTimeInterval: 0.2 + Double(random.next() % 600) / 1000)
            try cluster.dropAtRandom(files[dropped..<min(files.count, dropped + 15)], random: &random)
            dropped = min(files.count, dropped + 15)
            let victim = cluster.nodes[Int(random.next() % 3)]
            guard victim.process != nil else { continue }
            // A node killed right after a restart may not hold its partitions back yet: nothing
            // to take over then, and no takeover time.
            let held = try cluster.partitions(of: victim.nodeName)
            let killed = Date()
            #expect(try victim.stop(signal: SIGKILL) == SIGKILL)
            kills += 1
            if kills % 3 == 0 {
                try cluster.waitUntil("\(victim.nodeName)'s partitions are taken over", timeout: 60) {
                    try cluster.partitions(of: victim.nodeName) == 0
                }
                if held > 0 { takeovers.append(Date().timeIntervalSince(killed)) }
            }
            try victim.start()
        }
        try cluster.dropAtRandom(files[dropped...], random: &random)
        try cluster.waitUntilSettled(timeout: 300)
        try cluster.stopAll()

        #expect(takeovers.count >= 3)
        let compared = try Self.expectReplayOfTheExport(cluster, files: files)
        let times = takeovers.map { String(format: "%.1f s", $0) }.joined(separator: ", ")
        print("""
            cluster kills\(stockRules ? " (stock rules)" : ""): \(kills) SIGKILLs, \(files.count) files, \(compared) tasks \
            compared; takeover (lease 2 s): \(times)
            """)
    }

    /// Files dropped one at a time, in name order, each to a random node and applied before the
    /// next: the union of the outboxes is `replay` of the files in that order. The events are
    /// stamped at the wall clock (as LiveTests' are), so the idle ticks between files move the
    /// clock no further than the events themselves.
    @Test(.postgres) func filesDroppedOneAtATimeToRandomNodesEqualReplayOfTheFiles() throws {
        let cluster = try ClusterSandbox(nodes: ["node-a", "node-b", "node-c"], stockRules: true)
        try cluster.startAll()
        let input = cluster.nodes[0].directory.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var random = SplitMix(state: 77)
        var names: [String] = []
        var receivers: Set<String> = []
        func drop(_ events: [(id: String, type: String, subject: String, data: String)]) throws {
            let now = Date()
            let text = events.enumerated().map { index, event in
                """
                {"specversion":"1.0","id":"\(event.id)","source":"live","type":"\(event.type)",\
                "subject":"\(event.subject)","time":"\(formatter.string(from: now.addingTimeInterval(Double(index) / 1000)))",\
                "data":\(event.data)}
                """
            }.joined(separator: "\n") + "\n"
            let name = String(format: "live-%03d.jsonl", names.count)
            try text.write(to: input.appendingPathComponent(name), atomically: true, encoding: .utf8)
            let node = cluster.nodes[Int(random.next() % 3)]
            try node.drop(name, text)
            names.append(name)
            receivers.insert(node.nodeName)
            try cluster.waitUntil("\(name) is in the log", timeout: 60) { node.names(in: "done").contains(name) }
            try cluster.waitUntilSettled()
        }
        for k in 0..<12 {
            try drop([("ci-\(k)", "location.checkin", "cust-\(k)", #"{"lat":40.7128,"lon":-74.006,"city":"New York"}"#)])
            try drop([
                ("tx-\(k)", "card.transaction", "cust-\(k)",
                    #"{"amount":80,"currency":"EUR","merchant":"Cafe","lat":48.8566,"lon":2.3522,"city":"Paris","card_present":true}"#),
                ("lv-\(k)", "lead.visit", "lead-\(k)", #"{"page":"/pricing","owner":"user-\#(k)"}"#),
            ])
        }
        try cluster.stopAll()
        #expect(receivers.count == 3)
        let compared = try OutboxComparison.expectSameTasks(outbox: try cluster.outboxTasks(), of: cluster.nodes[0],
            replayed: try cluster.nodes[0].replay(names.map { input.appendingPathComponent($0).path }))
        #expect(compared == 24, "twelve fraud tasks and twelve lead tasks")
        print("cluster one at a time: \(names.count) files to random nodes, \(compared) tasks compared")
    }

    // MARK: - The reference

    /// `replay` of `contextd log export` equals the union of the outboxes field by field, and
    /// the export holds every event of `files` once. Returns the tasks compared.
    @discardableResult
    static func expectReplayOfTheExport(_ cluster: ClusterSandbox, files: [(name: String, text: String)]) throws -> Int {
        let arguments = try cluster.exportArguments()
        let exported = try arguments.filter { $0.hasSuffix(".jsonl") }.flatMap {
            try String(contentsOfFile: $0, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        let dropped = Set(files.flatMap { $0.text.split(separator: "\n").map(String.init) })
        #expect(exported.count == Set(exported).count, "an event twice in the log")
        let missing = dropped.subtracting(exported), extra = Set(exported).subtracting(dropped)
        #expect(missing.isEmpty && extra.isEmpty,
            "the log holds every event dropped, once: \(missing.count) missing (\(missing.prefix(2))), \(extra.count) extra")
        return try OutboxComparison.expectSameTasks(outbox: try cluster.outboxTasks(), of: cluster.nodes[0],
            replayed: try cluster.nodes[0].replay(arguments: arguments))
    }
}

extension ClusterSandbox {
    func waitUntil(_ what: String, timeout: Double, _ condition: () throws -> Bool) throws {
        try DaemonSandbox.waitUntil(what, timeout: timeout, log: { self.logs }, condition)
    }
}
