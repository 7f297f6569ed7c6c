import ContextdDaemon
import ContextdEvents
import Foundation
import Testing

/// Valid files and defaults: what the daemon runs with.
@Suite struct DaemonConfigurationTests {
    @Test func aFullFileSetsEveryValueWithPathsFromItsDirectory() throws {
        let configuration = try DaemonConfiguration.load(path: Fixtures.path("full/contextd.yaml")).get()
        let here = Fixtures.path("full")
        #expect(configuration.rules == [here + "/rules", Fixtures.directory + "/shared-rules/fraud.yaml"])
        #expect(configuration.dataDirectory == here + "/var")
        #expect(configuration.database == here + "/var/contextd.sqlite")
        #expect(configuration.inputs == [
            .init(name: "cards", path: "/srv/spool/cards", kind: .data, onDone: .move),
            .init(name: "crm-web", path: here + "/spool/crm", kind: .process, onDone: .delete),
        ])
        #expect(configuration.outbox == "/srv/outbox")
        #expect(configuration.http.listen == ListenAddress(host: "::1", port: 9000))
        #expect(configuration.http.listen.description == "[::1]:9000")
        #expect(configuration.maxLineBytes == 256 * 1024)
        #expect(configuration.dedupRetention == .days(14))
        #expect(configuration.batchEvents == 500)
        #expect(configuration.contextCache == 20_000)
        #expect(configuration.rescanInterval == .seconds(30))
        #expect(configuration.watchRules == false)
        #expect(configuration.reloadDebounce == .seconds(2))
        #expect(configuration.allowEmptyRules)
        #expect(configuration.logFormat == .json)
        #expect(configuration.logLevel == "debug")
    }

    @Test func parsedTextAnchorsRelativePathsAtTheGivenPath() throws {
        let text = try String(contentsOfFile: Fixtures.path("full/contextd.yaml"), encoding: .utf8)
        let configuration = try DaemonConfiguration.parse(text, path: "/etc/contextd/contextd.yaml").get()
        #expect(configuration.rules == ["/etc/contextd/rules", "/etc/shared-rules/fraud.yaml"])
        #expect(configuration.inputs.map(\.path) == ["/srv/spool/cards", "/etc/contextd/spool/crm"])
    }

    @Test func theEmbeddedDefaultIsTheSpecsLayout() {
        let configuration = DaemonConfiguration.embeddedDefault(workingDirectory: "/srv/ctx/")
        #expect(configuration.rules == ["/srv/ctx/rules"])
        #expect(configuration.dataDirectory == "/srv/ctx/var")
        #expect(configuration.database == "/srv/ctx/var/contextd.sqlite")
        #expect(configuration.inputs == [.init(name: "events", path: "/srv/ctx/var/spool/events", kind: .data, onDone: .move)])
        #expect(configuration.outbox == "/srv/ctx/var/outbox")
        #expect(configuration.http.listen == ListenAddress(host: "127.0.0.1", port: 8470))
        #expect(configuration.http.listen.isLoopback)
        #expect(configuration.maxLineBytes == 1_048_576)
        #expect(configuration.dedupRetention == .days(7))
        #expect(configuration.batchEvents == 10_000)
        #expect(configuration.contextCache == 100_000)
        #expect(configuration.rescanInterval == .seconds(5))
        #expect(configuration.watchRules)
        #expect(configuration.reloadDebounce == TimeSpan(milliseconds: 500))
        #expect(!configuration.allowEmptyRules)
        #expect(configuration.logFormat == .text)
        #expect(configuration.logLevel == "info")
    }

    @Test(arguments: ["empty.yaml", "comments-only.yaml"])
    func aFileThatSetsNothingIsTheDefaultBesideIt(_ name: String) throws {
        let configuration = try DaemonConfiguration.load(path: Fixtures.path(name)).get()
        #expect(configuration == DaemonConfiguration.embeddedDefault(workingDirectory: Fixtures.directory))
    }

    @Test func theDefaultSpoolAndOutboxFollowDataDir() throws {
        let configuration = try DaemonConfiguration.load(path: Fixtures.path("partial.yaml")).get()
        var expected = DaemonConfiguration.embeddedDefault(workingDirectory: Fixtures.directory)
        expected.dataDirectory = "/srv/contextd"
        expected.inputs = [.init(name: "events", path: "/srv/contextd/spool/events")]
        expected.outbox = "/srv/contextd/outbox"
        #expect(configuration == expected)
        #expect(configuration.database == "/srv/contextd/contextd.sqlite")
    }
}
