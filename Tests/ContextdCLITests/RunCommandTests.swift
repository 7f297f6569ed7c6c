import ContextdTestKit
import Foundation
import Testing

/// `contextd run` refuses to start, with exit 78 and a located error, on a bad configuration or
/// on rules that do not load: a daemon next to a core banking system never runs half-configured.
@Suite(.blocksAThread) struct RunCommandTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("contextd-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func badConfigurationExits78WithItsLocation() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("contextd.yaml")
        try "inputs:\n  - name: cards\n    path: ./spool\n    on_done: archive\n".write(
            to: config, atomically: true, encoding: .utf8)
        let result = try ContextdProcess.run(["run", "--config", config.path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("contextd.yaml:4:14: error:"), "\(result.stderr)")
        #expect(result.stderr.contains("archive"))
    }

    @Test func rulesThatDoNotLoadExit78WithTheirLocation() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = directory.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: rules, withIntermediateDirectories: true)
        try "rulez: []\n".write(to: rules.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("contextd.yaml")
        try "rules: ./rules\n".write(to: config, atomically: true, encoding: .utf8)
        let result = try ContextdProcess.run(["run", "--config", config.path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("a.yaml:1:1: error: unknown field 'rulez'"), "\(result.stderr)")
        #expect(result.stderr.contains("not starting"))
    }

    /// A store URL that is not PostgreSQL's: exit 78, the reason with a suggestion, and the
    /// password neither in the message nor in the quoted line.
    @Test func aBadStoreURLExits78WithTheReasonAndWithoutThePassword() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("contextd.yaml")
        try "store: postgressql://contextd:hunter2@db.example.org/contextd\n".write(
            to: config, atomically: true, encoding: .utf8)
        let result = try ContextdProcess.run(["run", "--config", config.path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("contextd.yaml:1:8: error: invalid PostgreSQL URL for 'store': unknown scheme "
            + "'postgressql' — did you mean 'postgresql'?"), "\(result.stderr)")
        #expect(result.stderr.contains("store: postgressql://contextd:*******@db.example.org/contextd"), "\(result.stderr)")
        #expect(!result.stderr.contains("hunter2") && !result.stdout.contains("hunter2"))
    }

    @Test func anOpenAPIOnANetworkInterfaceIsRefused() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("contextd.yaml")
        try "http:\n  listen: 0.0.0.0:8470\n".write(to: config, atomically: true, encoding: .utf8)
        let result = try ContextdProcess.run(["run", "--config", config.path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("contextd.yaml:2:11: error:"), "\(result.stderr)")
        #expect(result.stderr.contains("tokens"))
    }
}
