import ContextdTestSupport
import Foundation
import HTTPTypes
import Testing

/// `http.tokens[].access` and the console on the real binary.
@Suite(.serialized) struct ConsoleProcessTests {
    static let admin = "ops-token-0123456789abcdef"
    static let reader = "viewer-token-0123456789abcd"

    @Test func aMisspeltAccessLevelIsReportedWithItsLineColumnAndASuggestion() throws {
        let sandbox = try DaemonSandbox(extra: """
            http:
              listen: 127.0.0.1:0
              tokens:
                - name: ops
                  token: \(Self.admin)
                  assignees: [""]
                  access: laese
            """)
        let config = sandbox.directory.appendingPathComponent("contextd.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let line = try #require(lines.firstIndex { $0.contains("access: laese") }) + 1
        let column = try #require(lines[line - 1].range(of: "laese")).lowerBound.utf16Offset(in: lines[line - 1]) + 1
        let process = Process()
        process.executableURL = DaemonSandbox.binary
        process.arguments = ["run", "--config", config.path]
        process.currentDirectoryURL = sandbox.directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(output.contains("contextd.yaml:\(line):\(column): error: invalid value 'laese' for 'access' of token 'ops' — "
            + "did you mean 'lease'? (expected one of: read, lease, admin)"), "\(output)")
        #expect(!output.contains(Self.admin))
    }

    @Test func theDaemonServesTheConsoleWithEachTokensConfiguredLevel() async throws {
        let sandbox = try DaemonSandbox(extra: """
            http:
              listen: 127.0.0.1:0
              tokens:
                - name: ops
                  token: \(Self.admin)
                  assignees: [""]
                  access: admin
                - name: viewer
                  token: \(Self.reader)
                  assignees: [""]
                  access: read
            """)
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
}
