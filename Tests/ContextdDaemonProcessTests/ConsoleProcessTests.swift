import ContextdStore
import ContextdTestKit
import ContextdTestSupport
import Foundation
import HTTPTypes
import Testing

/// `http.tokens[].access` and the console on the real binary.
@Suite(.serialized, .blocksAThread) struct ConsoleProcessTests {
    static let admin = "ops-token-0123456789abcdef"
    static let reader = "viewer-token-0123456789abcd"

    /// A sandbox whose `http.tokens` are these, each for every assignee at its `access` level.
    static func sandbox(tokens: [(name: String, token: String, access: String)]) throws -> DaemonSandbox {
        let entries = tokens.map { "    - name: \($0.name)\n      token: \($0.token)\n      assignees: [\"\"]\n      access: \($0.access)" }
        return try DaemonSandbox(extra: "http:\n  listen: 127.0.0.1:0\n  tokens:\n" + entries.joined(separator: "\n"))
    }

    @Test func aMisspeltAccessLevelIsReportedWithItsLineColumnAndASuggestion() throws {
        let sandbox = try Self.sandbox(tokens: [("ops", Self.admin, "laese")])
        let config = sandbox.directory.appendingPathComponent("contextd.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let line = try #require(lines.firstIndex { $0.contains("access: laese") }) + 1
        let column = try #require(lines[line - 1].range(of: "laese")).lowerBound.utf16Offset(in: lines[line - 1]) + 1
        let run = try BoundedRun.contextd(["run", "--config", config.path], timeout: 15)
        let output = run.output
        #expect(run.status != 0)
        #expect(output.contains("contextd.yaml:\(line):\(column): error: invalid value 'laese' for 'access' of token 'ops' — "
            + "did you mean 'lease'? (expected one of: read, lease, admin)"), "\(output)")
        #expect(!output.contains(Self.admin))
    }

    @Test func theDaemonServesTheConsoleWithEachTokensConfiguredLevel() async throws {
        let sandbox = try Self.sandbox(tokens: [("ops", Self.admin, "admin"), ("viewer", Self.reader, "read")])
        try sandbox.start()
        let port = try sandbox.httpPort()
        #expect(try await request(port, .get, "/v1/tasks", token: Self.reader).status == 403)
        #expect(try await request(port, .get, "/v1/tasks", token: Self.admin).status == 200)
        let unknown = try await request(port, .post, "/v1/tasks/t-none/requeue", token: Self.admin)
        #expect(unknown.status == 404, "admin passes the level check; the task does not exist")
        let overview = try await request(port, .get, "/", token: Self.reader)
        #expect(overview.status == 200 && overview.text.contains("<strong>viewer</strong> · read"))
        #expect(overview.text.contains(#"<div class="overview" data-live="/v1/status">"#) || overview.text.contains("No status to show"))
        let page = try await request(port, .get, "/rejected", token: Self.reader)
        #expect(page.status == 200 && page.text.contains("Spool events"))
        #expect(try sandbox.stop() == 0)
        #expect(!sandbox.logText.contains(Self.admin) && !sandbox.logText.contains(Self.reader))
    }
    /// The console's task page, asked to explain, shows the very text `contextd explain` prints
    /// for the same task; the task list and the rules page show what the daemon runs.
    @Test func aTaskExplainedInTheConsoleReadsAsContextdExplainPrintsIt() async throws {
        let sandbox = try Self.sandbox(tokens: [("viewer", Self.reader, "read")])
        let fixture = DaemonSandbox.root.appendingPathComponent("fixtures/fraud-paris-after-new-york.jsonl")
        try sandbox.drop("a.jsonl", try String(contentsOf: fixture, encoding: .utf8))
        try sandbox.start()
        try sandbox.waitUntilDrained()
        let id = try #require(try sandbox.outboxTasks().keys.first)
        // The status line is part of both texts: compare once the task is written for good.
        let store = try StoreLocation.sqlite(path: sandbox.database).openForReading()
        try sandbox.waitUntil("the task is marked written") { try store.explanation(of: id)?.status == "written" }
        let port = try sandbox.httpPort()
        let config = sandbox.directory.appendingPathComponent("contextd.yaml").path
        let printed = try ExplainStoreTests.run(["explain", id, "--config", config])
        #expect(printed.status == 0 && printed.output.contains("rule location-mismatch-fraud"))
        let page = try await request(port, .get, "/task?id=" + id + "&explain=1", token: Self.reader)
        #expect(page.status == 200)
        let shown = try #require(page.text.firstMatch(of: #/<pre class="raw explain">([^<]*)</pre>/#)).1
        #expect(Self.unescaped(String(shown)) == printed.output)
        let list = try await request(port, .get, "/tasks?rule=location-mismatch-fraud", token: Self.reader)
        #expect(list.text.contains(#"aria-label="Task \#(id)""#))
        let rules = try await request(port, .get, "/rules", token: Self.reader)
        #expect(rules.status == 200 && rules.text.contains("/rules/fraud.yaml</code>"))
        #expect(try sandbox.stop() == 0)
    }

    static func unescaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
