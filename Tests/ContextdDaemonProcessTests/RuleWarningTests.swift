import ContextdTestKit
import Foundation
import Testing

/// What `contextd check` warns about reaches the daemon's log too, at the start and at every
/// reload: an operator editing rules on the host sees a defer that would hold tasks past their
/// expiry without running `check`.
@Suite(.serialized, .blocksAThread) struct RuleWarningTests {
    /// A rule whose tasks expire after 1 h, and a defer that holds them 2 h.
    static let deferredPastExpiry = """
        rules:
          - id: quick-pricing-call
            on: [lead.visit]
            when: event.data.page == "/pricing/call-me"
            task:
              assignee: "{{ event.data.owner }}"
              where: phone
              priority: 10
              what: "Call {{ subject }}"
              why: They asked for a call
              expires: 1h
        policies:
          - id: hold-calls
            kind: defer
            rules: [quick-pricing-call]
            until: task.created_at + duration("2h")
        """

    @Test func aReloadWhoseRulesCheckWarnsAboutLogsTheWarningWithItsPlace() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        try sandbox.waitUntil("the daemon is serving") { sandbox.logText.contains("http listening") }
        #expect(!sandbox.logText.contains("rule warning"), "the stock rules warn about nothing")
        try Self.deferredPastExpiry.write(to: sandbox.rules.appendingPathComponent("zz-calls.yaml"),
            atomically: true, encoding: .utf8)
        try sandbox.waitUntil("the reload logs the warning") { sandbox.logText.contains("rule warning") }
        let line = try #require(sandbox.logText.split(separator: "\n").first { $0.contains("rule warning") })
        #expect(line.contains(" warning rule warning "), "\(line)")
        #expect(line.contains("zz-calls.yaml:"), "\(line)")
        try sandbox.waitUntil("the rules are reloaded") { sandbox.logText.contains("reload_ok=true") }
        #expect(try sandbox.stop() == 0)

        // The same warning at the next start, before the daemon serves.
        let before = sandbox.logText.split(separator: "\n").filter { $0.contains("rule warning") }.count
        try sandbox.start()
        try sandbox.waitUntil("the start logs the warning again") {
            sandbox.logText.split(separator: "\n").filter { $0.contains("rule warning") }.count > before
        }
        // A SIGTERM before the daemon set up its signal handling would end it with 15.
        try sandbox.waitUntil("the daemon serves again") {
            sandbox.logText.components(separatedBy: "http listening").count - 1 == 2
        }
        #expect(try sandbox.stop() == 0)
    }
}
