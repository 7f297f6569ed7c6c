import ContextdTestKit
import Foundation
import Glibc
import Testing

/// SPEC §8: connections to the API are capped and time out, and the processing loop never
/// stops for want of file descriptors (issue 17, item 6) — without ever cutting a long poll.
@Suite(.serialized, .blocksAThread) struct ConnectionLimitTests {
    @Test func idleConnectionsPastTheDescriptorLimitStopNeitherFilesNorHealth() throws {
        // The default limits: the cap (lowered to fit 256 descriptors) protects the daemon well
        // before the header timeout (60 s) would close these connections.
        let sandbox = try DaemonSandbox()
        try sandbox.start(environment: [:], standardError: nil, descriptorLimit: 256)
        let port = try sandbox.httpPort()
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        for _ in 0..<400 {
            if let socket = RawConnections.idle(to: port) { sockets.append(socket) }
        }
        #expect(sockets.count == 400)
        Thread.sleep(forTimeInterval: 1)  // the server accepts what it is given meanwhile
        let process = try #require(sandbox.process)
        try #require(process.isRunning, "the daemon stopped:\n\(sandbox.logText.suffix(2000))")
        #expect(RawConnections.get("/healthz", port: port) == 200)

        try sandbox.drop("fraud.jsonl",
            TestEvents.newYorkThenParis(prefix: "cl", subject: "cust-cl", payment: TestEvents.now - 300))
        try sandbox.waitUntil("the fraud task is in the outbox", timeout: 30) {
            try !process.isRunning || sandbox.outboxTasks().count == 1
        }
        #expect(process.isRunning, "the daemon stopped:\n\(sandbox.logText.suffix(2000))")
        #expect(RawConnections.get("/healthz", port: port) == 200)
        #expect(sandbox.logText.contains("http.max_connections lowered"))
        let metrics = HTTPProcessTests.samples(try #require(RawConnections.fetch("/metrics", port: port)).body)
        #expect((metrics[#"contextd_http_connections_closed_total{reason="evicted_idle"}"#] ?? 0) > 0, "\(metrics)")
        #expect((metrics["contextd_http_connections_open"] ?? .infinity) <= 128)
        #expect(try sandbox.stop() == 0)
    }

    @Test func silentAndSlowConnectionsAreClosedButALongPollIsNot() throws {
        let sandbox = try DaemonSandbox(extra: """
            http:
              listen: 127.0.0.1:0
              assignees: ["user-"]
              max_wait: 10s
              max_connections: 3
              idle_timeout: 3s
              header_timeout: 1s
            """)
        try sandbox.start()
        let port = try sandbox.httpPort()
        // A long poll of 4 s, longer than the idle timeout: sent whole at once, then given time
        // to be read, so that it is serving (not idle) when the others come. The header timeout
        // is the shorter: Hummingbird's idle timer also closes a connection that has sent no
        // whole request head, so with the idle timeout first the header timeout went untested.
        let started = Date()
        let poll = try RawConnections.connected(to: port, timeout: 15)
        defer { close(poll) }
        RawConnections.send("GET /v1/tasks?assignee=user-nobody&wait=4 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Connection: close\r\n\r\n", on: poll)
        Thread.sleep(forTimeInterval: 0.5)
        // One says nothing, one never finishes its headers: both are closed by the header
        // timeout (1 s), before their reads give up (2 s) and before the idle timeout (3 s).
        let silent = try RawConnections.connected(to: port, timeout: 2)
        let slow = try RawConnections.connected(to: port, timeout: 2)
        defer {
            close(silent)
            close(slow)
        }
        RawConnections.send("GET /healthz HTTP/1.1\r\nHost: 127.", on: slow)
        #expect(RawConnections.readUntilClosed(silent).closed, "a silent connection was kept open")
        #expect(RawConnections.readUntilClosed(slow).closed, "a connection that never finished its headers was kept open")
        // At the cap, a new connection takes the place of an idle one, never of the long poll.
        let idle = (0..<3).compactMap { _ in RawConnections.idle(to: port) }
        defer { idle.forEach { close($0) } }
        #expect(RawConnections.get("/healthz", port: port) == 200)
        let answer = RawConnections.readUntilClosed(poll).text
        #expect(answer.hasPrefix("HTTP/1.1 200"), "the long poll got: \(answer)")
        #expect(Date().timeIntervalSince(started) >= 3.9, "the long poll was cut short")
        #expect(try sandbox.stop() == 0)
    }
}
