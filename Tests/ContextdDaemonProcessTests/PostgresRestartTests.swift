import ContextdEngine
import ContextdStore
import ContextdTestKit
import ContextdTestSupport
import Foundation
import HTTPTypes
import Testing

/// Issue 19, "What it must show": the daemon on PostgreSQL while the server restarts under it
/// (`pg_ctl restart -m fast`, and `-m immediate`: a crash of the server), is stopped for a while,
/// and once is down while the daemon itself is killed. The daemon waits and goes on; at the end
/// the outbox equals `replay` field by field, none twice, and every event was applied once.
///
/// Files keep arriving while it runs (more are dropped during the outages), but never so late
/// that the spool drains before the end: a drained spool moves the daemon's clock up to the wall
/// clock (docs/operations.md, "The clock"), and then the mix's October events would be late
/// events that `replay` of the same files does not see as late. LiveTests covers drops into an
/// idle daemon, with events stamped at the time of the drop.
///
/// On a cluster of the test's own: the shared server of `CONTEXTD_TEST_POSTGRES_URL` is never
/// restarted (other tests use it).
@Suite(.serialized, .blocksAThread) struct PostgresRestartTests {
    @Test(.postgres) func serverRestartsAndOutagesLoseNothingAndDoubleNothing() async throws {
        let cluster = try ThrowawayCluster()
        let sandbox = try DaemonSandbox(
            backend: .postgresql, postgres: try SandboxDatabase(serverURL: cluster.url), batchEvents: 20)
        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z"))
        let mix = EventMix(customers: 4000, start: start, seed: 19)
        let files = mix.files(perFile: 15)
        var copies: [String] = []
        var next = 0
        /// Drops the next `count` files of the mix into the spool.
        func drop(_ count: Int) throws {
            let upTo = min(files.count, next + count)
            copies += try sandbox.dropKeepingCopies(Array(files[next..<upTo]))
            next = upTo
        }
        func doneCount() -> Int { sandbox.names(in: "done").count }
        /// Dropped files not done yet: the daemon must never run out of them before the end.
        func waiting() -> Int { next - doneCount() }
        /// The daemon is not waiting for the server (it said "reachable again" after its last
        /// "unreachable", or never lost it), and has done `files` more since `since`.
        func waitUntilGoingOn(_ what: String, since: Int, files more: Int = 5) throws {
            try sandbox.waitUntil(what, timeout: 120) { doneCount() >= since + more && !sandbox.waitsForPostgreSQL }
            #expect(waiting() > 0, "the spool never drained: \(what)")
        }

        try drop(files.count * 6 / 10)
        try sandbox.start()
        let port = try sandbox.httpPort()
        try sandbox.waitUntil("some of the backlog is done") { doneCount() >= 3 }

        // 1. A clean restart of the server in the middle of the backlog, files arriving.
        var done = doneCount()
        try cluster.restart(mode: "fast")
        try drop(files.count / 20)
        try waitUntilGoingOn("the daemon goes on after a restart", since: done)

        // 2. The server stopped for a while: one warning line, /readyz 503, then it is back.
        // Counted before the stop: a daemon busy with the backlog says so at once.
        let unreachableBefore = sandbox.lines(containing: "PostgreSQL unreachable").count
        try cluster.stop(mode: "fast")
        try drop(files.count / 20)
        // More than one more line is possible: another connection of the store may report the
        // restart of step 1 late (its "unreachable … reachable again" pair lands after the
        // count above). What matters is that the outage is said, then no more while it lasts.
        try sandbox.waitUntil("the daemon says the server is unreachable") {
            sandbox.lines(containing: "PostgreSQL unreachable").count > unreachableBefore
        }
        let unreachableSaid = sandbox.lines(containing: "PostgreSQL unreachable").count
        let reachableDuring = sandbox.lines(containing: "PostgreSQL reachable again").count
        let ready = try await request(port, .get, "/readyz")
        #expect(ready.status == 503)
        #expect(ready.text.contains("the store does not answer"), "\(ready.text)")
        #expect(try await request(port, .get, "/healthz").status == 200, "alive, only waiting for its server")
        // The commit retries (100 ms, doubling) without another line, and nothing is done.
        done = doneCount()
        try await Task.sleep(for: .seconds(2))
        #expect(sandbox.lines(containing: "PostgreSQL unreachable").count == unreachableSaid)
        #expect(sandbox.lines(containing: "PostgreSQL reachable again").count == reachableDuring)
        #expect(doneCount() <= done + 1, "at most the file whose commit was in flight is finished")
        let line = try #require(sandbox.lines(containing: "PostgreSQL unreachable").last)
        #expect(line.contains("PostgreSQL unreachable: \(sandbox.postgres?.address.description ?? "?"): "), "\(line)")
        #expect(line.hasSuffix("; retrying"), "\(line)")
        try cluster.start()
        try sandbox.waitUntil("the daemon says the server is back") {
            sandbox.lines(containing: "PostgreSQL reachable again").count == reachableDuring + 1
        }
        try waitUntilGoingOn("the daemon goes on after the outage", since: doneCount())
        #expect(sandbox.lines(containing: "PostgreSQL unreachable").count == unreachableSaid)
        var readyAgain = 0
        for _ in 0..<100 where readyAgain != 200 {
            readyAgain = try await request(port, .get, "/readyz").status
            if readyAgain != 200 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(readyAgain == 200)

        // 3. A crash of the server (no checkpoint; recovery at its start), files arriving.
        done = doneCount()
        try cluster.restart(mode: "immediate")
        try drop(files.count / 20)
        try waitUntilGoingOn("the daemon goes on after the server's crash", since: done)

        // 4. The server crashes, and the daemon is killed while it waits for it. Started while
        // the server is down, a daemon stops at once with exit 1 (systemd restarts it).
        let unreachable = sandbox.lines(containing: "PostgreSQL unreachable").count
        try cluster.stop(mode: "immediate")
        try drop(files.count / 20)
        try sandbox.waitUntil("the daemon waits for the server") {
            sandbox.lines(containing: "PostgreSQL unreachable").count == unreachable + 1
        }
        #expect(try sandbox.stop(signal: SIGKILL) == SIGKILL)
        let early = try sandbox.runToEnd(["run"])
        #expect(early.status == 1)
        #expect((early.output + early.error).contains("cannot reach PostgreSQL at"), "\(early.output)\(early.error)")
        try cluster.start()
        try sandbox.start()

        // 5. The rest, with one more restart while it drains.
        done = doneCount()
        try drop(files.count)
        try sandbox.waitUntil("more files are done", timeout: 120) { doneCount() > done + 6 }
        #expect(waiting() > 20, "files are left for the restart to land among")
        try cluster.restart(mode: "fast")
        try sandbox.waitUntilDrained(timeout: 600)
        #expect(try sandbox.stop() == 0)

        #expect(next == files.count)
        #expect(sandbox.names(in: "done").count == files.count)
        try sandbox.expectNothingLeftBehind()
        let compared = try OutboxComparison.expectSameTasks(sandbox, files: copies)
        let replay = try OutboxComparison.expectSameContexts(sandbox, files: copies)
        #expect(compared > 1000, "the mix makes fraud, rent and lead tasks: \(compared)")
        let seen = try sandbox.appliedEvents()
        #expect(Set(seen.map { "\($0.source)/\($0.id)" }).count == seen.count)
        #expect(seen.count == mix.events().count, "every event applied once")
        try sandbox.expectOneWarningPerOutage()
        print("postgres restart test: \(files.count) files, \(replay.events) events, \(compared) tasks compared, "
            + "\(sandbox.lines(containing: "PostgreSQL unreachable").count) outages seen by the daemon")
    }
}

extension DaemonSandbox {
    /// The log's lines that contain `text`.
    func lines(containing text: String) -> [Substring] {
        logText.split(separator: "\n").filter { $0.contains(text) }
    }

    /// Whether the daemon's last "PostgreSQL unreachable" line has no "reachable again" after it
    /// (and no start of a new daemon: one killed while it waited never says the server is back).
    var waitsForPostgreSQL: Bool {
        var waiting = false
        for line in logText.split(separator: "\n") {
            if line.contains(" started ") {
                waiting = false
            } else if line.contains("PostgreSQL unreachable") {
                waiting = true
            } else if line.contains("PostgreSQL reachable again") {
                waiting = false
            }
        }
        return waiting
    }

    /// Each "PostgreSQL unreachable" line is the only one of its outage: the next store line
    /// after it is "reachable again", or the daemon was started anew (one killed while it
    /// waited never says the server is back).
    func expectOneWarningPerOutage(sourceLocation: SourceLocation = #_sourceLocation) throws {
        var waiting = false
        for line in logText.split(separator: "\n") {
            if line.contains(" started ") {
                waiting = false
            } else if line.contains("PostgreSQL unreachable") {
                #expect(!waiting, "a second unreachable line in one outage: \(line)", sourceLocation: sourceLocation)
                waiting = true
            } else if line.contains("PostgreSQL reachable again") {
                #expect(waiting, "reachable again without an outage: \(line)", sourceLocation: sourceLocation)
                waiting = false
            }
        }
    }
}
