import ContextdEvents
import ContextdStore
import ContextdTestKit
import Foundation
import Logging
import NIOPosix
import PostgresNIO
import Testing

/// A node stopped (SIGSTOP) past its lease, once in the middle of a commit: the others take its
/// partitions over, and when it goes on (SIGCONT) nothing it does is committed; it stops with
/// 75, starts again, and the cluster's tasks are still replay's. And nodes joining and leaving
/// mid-run move partitions without changing a task.
@Suite(.serialized, .blocksAThread) struct ClusterPauseTests {
    static let start = ClusterTests.start

    /// Three nodes that applied the first third of `customers`' events, dropped at random: the
    /// cluster, every file, the random source that dropped them, and where the rest begins.
    static func threeNodesWithAThirdApplied(stockRules: Bool, customers: Int, seed: UInt64, state: UInt64) throws
        -> (ClusterSandbox, [(name: String, text: String)], SplitMix, Int)
    {
        let cluster = try ClusterSandbox(nodes: ["node-a", "node-b", "node-c"], stockRules: stockRules)
        let files = EventMix(customers: customers, start: Self.start, seed: seed).files(perFile: 10)
        var random = SplitMix(state: state)
        let first = files.count / 3
        try cluster.dropAtRandom(files[..<first], random: &random)
        try cluster.startAll()
        try cluster.waitUntilSettled()
        return (cluster, files, random, first)
    }

    @Test(.postgres) func aNodePausedInACommitPastItsLeaseCommitsNothingWhenItGoesOn() throws {
        // Partition-local rules: the table lock below holds every node's commit, and with rules
        // that cross partitions node-b would wait for the others' positions instead of reaching
        // its own commit.
        let (cluster, files, dropped, first) = try Self.threeNodesWithAThirdApplied(
            stockRules: false, customers: 900, seed: 23, state: 5)
        var random = dropped
        let paused = cluster["node-b"]
        let pid = try #require(paused.process?.processIdentifier)
        let held = try cluster.partitions(of: "node-b")
        #expect(held > 0)

        // Hold every commit inside its transaction (a lock on entity_context), give node-b
        // work, and stop it while its commit waits there.
        let lock = try HeldTableLock(cluster.database, table: "entity_context")
        for file in files[first..<(first + 20)] { try paused.drop(file.name, file.text) }
        try cluster.waitUntil("node-b's commit waits inside its transaction", timeout: 60) {
            try cluster.value("""
                SELECT count(*)::text FROM pg_stat_activity
                WHERE application_name = 'contextd-node-b' AND wait_event_type = 'Lock' AND state = 'active'
                """) != "0"
        }
        #expect(kill(pid, SIGSTOP) == 0)
        try lock.release()
        let seqBefore = try cluster.value("SELECT commit_seq::text FROM node WHERE id = 'node-b'")
        let paused_at = Date()
        try cluster.waitUntil("node-b's partitions are taken over", timeout: 60) {
            try cluster.partitions(of: "node-b") == 0
        }
        let takeover = Date().timeIntervalSince(paused_at)
        try cluster.dropAtRandom(files[(first + 20)..<(2 * first)], random: &random, among: [cluster.nodes[0], cluster.nodes[2]])
        // node-b's own spool waits for it (files it claimed are in its cur/).
        try cluster.waitUntilSettled(ignoring: ["node-b"])
        let outboxBefore = try paused.outboxTasks()

        // node-b goes on: its commit is refused (or the heartbeat finds its partitions gone);
        // it stops with 75 and nothing of it was committed.
        #expect(kill(pid, SIGCONT) == 0)
        try cluster.waitUntil("node-b stops after it wakes", timeout: 60) { !(paused.process?.isRunning ?? false) }
        #expect(paused.process?.terminationStatus == 75, "\(paused.logText.suffix(2000))")
        paused.forgetProcess()
        #expect(try cluster.value("SELECT commit_seq::text FROM node WHERE id = 'node-b'") == seqBefore,
            "node-b committed nothing after it woke")
        #expect(try paused.outboxTasks() == outboxBefore, "node-b published nothing after it woke")
        #expect(paused.logText.contains("moved to another owner"), "\(paused.logText.suffix(2000))")

        // It starts again and takes its share back; the rest of the files arrive anywhere.
        try paused.start()
        try cluster.dropAtRandom(files[(2 * first)...], random: &random)
        try cluster.waitUntil("node-b holds partitions again", timeout: 60) {
            try cluster.partitions(of: "node-b") > 0
        }
        try cluster.waitUntilSettled()
        try cluster.stopAll()
        let compared = try ClusterTests.expectReplayOfTheExport(cluster, files: files)
        print("cluster pause: node-b stopped in a commit, its \(held) partitions taken over after "
            + String(format: "%.1f s", takeover) + " (lease 2 s), \(compared) tasks compared")
    }

    /// With the whole stock rule set: node-b stopped (SIGSTOP) while files keep coming. The
    /// steps that cross partitions wait for its partitions until they are taken over, then go
    /// on; when it goes on it stops with 75, and the tasks are still replay's.
    @Test(.postgres) func aNodePausedPastItsLeaseHoldsTheWatermarkOnlyUntilTheTakeover() throws {
        let (cluster, files, dropped, first) = try Self.threeNodesWithAThirdApplied(
            stockRules: true, customers: 300, seed: 37, state: 13)
        var random = dropped
        let paused = cluster["node-b"]
        let pid = try #require(paused.process?.processIdentifier)
        #expect(try cluster.partitions(of: "node-b") > 0)
        #expect(kill(pid, SIGSTOP) == 0)
        let pausedAt = Date()
        try cluster.dropAtRandom(files[first..<(2 * first)], random: &random, among: [cluster.nodes[0], cluster.nodes[2]])
        try cluster.waitUntil("node-b's partitions are taken over", timeout: 60) {
            try cluster.partitions(of: "node-b") == 0
        }
        let takeover = Date().timeIntervalSince(pausedAt)
        try cluster.waitUntilSettled(ignoring: ["node-b"])
        #expect(kill(pid, SIGCONT) == 0)
        try cluster.waitUntil("node-b stops after it wakes", timeout: 60) { !(paused.process?.isRunning ?? false) }
        #expect(paused.process?.terminationStatus == 75, "\(paused.logText.suffix(2000))")
        paused.forgetProcess()
        try paused.start()
        try cluster.dropAtRandom(files[(2 * first)...], random: &random)
        try cluster.waitUntilSettled()
        try cluster.stopAll()
        let compared = try ClusterTests.expectReplayOfTheExport(cluster, files: files)
        print("cluster pause (stock rules): node-b's partitions taken over after "
            + String(format: "%.1f s", takeover) + " (lease 2 s), \(compared) tasks compared")
    }

    @Test(.postgres) func aNodeJoiningAndOneLeavingMovePartitionsAndChangeNothing() throws {
        let cluster = try ClusterSandbox(nodes: ["node-a", "node-b"], stockRules: true)
        let files = EventMix(customers: 400, start: Self.start, seed: 29).files(perFile: 10)
        var random = SplitMix(state: 41)
        let third = files.count / 3
        try cluster.dropAtRandom(files[..<third], random: &random)
        try cluster.startAll()
        try cluster.start(try cluster.add("node-c"))
        try cluster.dropAtRandom(files[third..<(2 * third)], random: &random)
        try cluster.waitUntil("node-c holds partitions", timeout: 60) {
            try cluster.partitions(of: "node-c") > 0
        }
        // An operator stops a node once its spool is drained (files left in its new/ wait there
        // for it, docs/operations.md).
        let leaving = cluster["node-a"]
        try cluster.waitUntil("node-a's spool is drained", timeout: 60) { leaving.isDrained }
        #expect(try leaving.stop() == 0)
        #expect(leaving.logText.contains("left the cluster"))
        try cluster.waitUntil("node-a's partitions went to the others", timeout: 30) {
            try cluster.partitions(of: "node-a") == 0
        }
        try cluster.dropAtRandom(files[(2 * third)...], random: &random, among: [cluster.nodes[1], cluster.nodes[2]])
        try cluster.waitUntilSettled(ignoring: ["node-a"])
        try cluster.stopAll()
        let owners = Set(cluster.nodes.map(\.nodeName).filter { name in
            cluster[name].logText.contains("partitions taken")
        })
        #expect(owners == ["node-a", "node-b", "node-c"], "every node held partitions at some point")
        let compared = try ClusterTests.expectReplayOfTheExport(cluster, files: files)
        print("cluster join and leave: \(compared) tasks compared")
    }
}

/// A table lock held on a connection of its own until ``release()``: what stops every commit
/// inside its transaction for as long as a test needs.
final class HeldTableLock {
    private let connection: PostgresConnection
    private let logger: Logger

    init(_ database: SandboxDatabase, table: String) throws {
        var logger = Logger(label: "contextd.test.lock")
        logger.logLevel = .critical
        self.logger = logger
        var address = database.address
        address.password = database.password.map(PostgresPassword.init)
        connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(),
            configuration: address.connectionConfiguration(password: address.password), id: 1, logger: logger
        ).wait()
        _ = try connection.query("BEGIN", logger: logger).wait()
        _ = try connection.query(PostgresQuery(unsafeSQL: "LOCK TABLE \(table) IN EXCLUSIVE MODE"), logger: logger).wait()
    }

    func release() throws {
        _ = try connection.query("ROLLBACK", logger: logger).wait()
        try connection.close().wait()
    }
}

/// A node whose rules differ from the cluster's (one byte of one file) takes no partition and
/// says so; it still appends what producers drop into its spool. Once its rules are the
/// cluster's again (and reloaded), it takes its share.
@Suite(.serialized, .blocksAThread) struct ClusterRulesTests {
    @Test(.postgres) func aNodeWithOtherRulesTakesNoPartitionAndSaysWhy() throws {
        let cluster = try ClusterSandbox(nodes: ["node-a", "node-b", "node-c"])
        let odd = cluster["node-c"]
        let fraud = odd.rules.appendingPathComponent("fraud.yaml")
        let original = try String(contentsOf: fraud, encoding: .utf8)
        try (original + "\n# node-c's own edit\n").write(to: fraud, atomically: true, encoding: .utf8)
        let files = EventMix(customers: 600, start: ClusterTests.start, seed: 3).files(perFile: 20)
        var random = SplitMix(state: 13)
        try cluster.dropAtRandom(files, random: &random)
        try cluster.start(cluster["node-a"])
        try cluster.start(cluster["node-b"])
        try cluster.start(odd)
        try cluster.waitUntilSettled()
        #expect(try cluster.partitions(of: "node-c") == 0)
        #expect(try cluster.partitions(of: "node-a") + cluster.partitions(of: "node-b") == 64)
        #expect(odd.logText.contains("rules differ from the cluster's; this node takes no partition"), "\(odd.logText.suffix(1500))")
        #expect(odd.names(in: "done").count > 0, "node-c still appends the files dropped into its spool")
        let fingerprints = try cluster.database.execute("SELECT id || ' ' || fingerprint FROM node ORDER BY id")
            .compactMap { $0 }
        let cluster_rules = try cluster.value("SELECT fingerprint FROM cluster")
        #expect(fingerprints.filter { $0.hasSuffix(" " + (cluster_rules ?? "-")) }.count == 2, "\(fingerprints)")
        // `contextd status` of node-c says why it holds nothing.
        let status = try StatusTests.runStatus(["--url", "http://127.0.0.1:\(try odd.httpPort())"]).standardOutput
        #expect(status.contains("rules differ: this node runs "), "\(status)")
        #expect(status.contains("node-c: live, 0 partitions"), "\(status)")

        // The same rules again, reloaded: node-c takes its share.
        try original.write(to: fraud, atomically: true, encoding: .utf8)
        #expect(kill(try #require(odd.process?.processIdentifier), SIGHUP) == 0)
        try cluster.waitUntil("node-c takes partitions", timeout: 60) { try cluster.partitions(of: "node-c") > 0 }
        try cluster.waitUntilSettled()
        try cluster.stopAll()
        let compared = try ClusterTests.expectReplayOfTheExport(cluster, files: files)
        print("cluster rules: node-c refused partitions while its rules differed, took its share after the reload; \(compared) tasks compared")
    }

    /// Decision 0018 §4: a change of rules rolled out node by node (node-a reloads, files go on
    /// arriving, then node-b reloads) switches every partition at one log position, the `rules`
    /// entry the heartbeat that saw both nodes run the new rules appended. Until then the cluster
    /// evaluates with the rules it had, also on the node that reloaded first; after it, with the
    /// new ones, also for partitions that were behind. The union of the outboxes equals `replay`
    /// of the export, which switches there (`rules=DIR`), field by field.
    @Test(.postgres) func aRuleChangeRolledOutNodeByNodeSwitchesEveryPartitionAtOnePosition() throws {
        let cluster = try ClusterSandbox(nodes: ["node-a", "node-b"])
        let files = EventMix(customers: 900, start: ClusterTests.start, seed: 5).files(perFile: 20)
        let wave = files.count / 3
        var random = SplitMix(state: 29)
        try cluster.dropAtRandom(files[..<wave], random: &random)
        try cluster.startAll()
        try cluster.waitUntilSettled()

        /// `node`'s rent rule says "might" where it said "may" (its tasks go to the outbox, which
        /// is compared with replay); reloaded with SIGHUP.
        func change(_ node: DaemonSandbox) throws {
            let rent = node.rules.appendingPathComponent("rent.yaml")
            let text = try String(contentsOf: rent, encoding: .utf8)
            try text.replacingOccurrences(of: "Your balance may not cover", with: "Your balance might not cover")
                .write(to: rent, atomically: true, encoding: .utf8)
            let reloads = node.logText.components(separatedBy: "rules reloaded").count
            #expect(kill(try #require(node.process?.processIdentifier), SIGHUP) == 0)
            try cluster.waitUntil("\(node.nodeName) reloads", timeout: 30) {
                node.logText.components(separatedBy: "rules reloaded").count > reloads
            }
        }
        let before = try #require(try cluster.value("SELECT fingerprint FROM cluster"))
        try change(cluster["node-a"])
        try cluster.dropAtRandom(files[wave..<(2 * wave)], random: &random)
        try cluster.waitUntil("node-b holds every partition while node-a's rules differ", timeout: 60) {
            try cluster.partitions(of: "node-b") == 64
        }
        try cluster.waitUntilSettled()
        #expect(try cluster.value("SELECT count(*)::text FROM event_log WHERE kind = 'rules'") == "0")
        #expect(try cluster.value("SELECT fingerprint FROM cluster") == before, "one node alone does not change the cluster's rules")

        try change(cluster["node-b"])
        try cluster.dropAtRandom(files[(2 * wave)...], random: &random)
        try cluster.waitUntil("the cluster runs the new rules", timeout: 60) {
            try cluster.value("SELECT fingerprint FROM cluster") != before
        }
        try cluster.waitUntilSettled()
        try cluster.waitUntil("both nodes hold partitions again", timeout: 60) {
            try cluster.partitions(of: "node-a") > 0 && cluster.partitions(of: "node-b") > 0
        }
        try cluster.waitUntilSettled()
        try cluster.stopAll()

        let switches = try cluster.database.execute("SELECT pos || ' ' || body FROM event_log WHERE kind = 'rules'")
        #expect(switches.count == 1, "one change, one entry: \(switches)")
        let after = try #require(try cluster.value("SELECT fingerprint FROM cluster"))
        #expect(switches.first??.hasSuffix(" " + after) == true)
        let said = cluster.nodes.flatMap { $0.logText.split(separator: "\n").filter { $0.contains("the cluster's rules switched") } }
        #expect(!said.isEmpty && said.allSatisfy { $0.contains("rules=\(after)") }, "\(said)")
        let arguments = try cluster.exportArguments()
        #expect(arguments.filter { $0.hasPrefix("rules=") }.count == 1, "\(arguments)")
        let compared = try ClusterTests.expectReplayOfTheExport(cluster, files: files)
        // Tasks of both rule sets in the outboxes, so the switch fell inside the run.
        let outbox = try cluster.outboxTasks().values
        let old = outbox.filter { $0.contains("Your balance may not cover") }.count
        let new = outbox.filter { $0.contains("Your balance might not cover") }.count
        #expect(old > 0 && new > 0, "rent tasks before the change \(old), after \(new)")
        print("cluster rule switch: one switch at \(switches.first.flatMap { $0 } ?? "?"), \(compared) tasks compared, "
            + "\(old) rent tasks before it and \(new) after")
    }

    /// With the stock rules, a node says which policies are not exact on several nodes yet, once
    /// a second node shows; a node alone (every partition in one engine) says nothing.
    @Test(.postgres) func aNodeNamesThePoliciesThatCrossPartitionsOnceASecondNodeShows() throws {
        let cluster = try ClusterSandbox(nodes: ["node-a", "node-b"], stockRules: true)
        let first = cluster["node-a"]
        try cluster.start(first)
        try cluster.waitUntil("node-a holds every partition", timeout: 30) { try cluster.partitions(of: "node-a") == 64 }
        #expect(!first.logText.contains("crosses partitions"))
        try cluster.start(cluster["node-b"])
        try cluster.waitUntil("node-b holds partitions", timeout: 30) { try cluster.partitions(of: "node-b") > 0 }
        try cluster.waitUntil("node-a names the crossing policies", timeout: 30) {
            first.logText.components(separatedBy: "policy crosses partitions").count == 3
        }
        #expect(first.logText.contains("policy=defer-on-mobile") && first.logText.contains("policy=contact-cap"))
        try cluster.stopAll()
    }
}
