import ContextdDaemon
import ContextdEvents
import ContextdRules
import Foundation
import Testing

/// The `cluster:` section: a node of a cluster on the event log, only with a PostgreSQL store,
/// named by `cluster.node` or the host name; mistakes reported where they are.
@Suite struct ClusterConfigurationTests {
    typealias Directory = StoreConfigurationTests.Directory
    static let store = "store: postgresql://contextd@db.internal/contextd\n"

    @Test func withoutClusterTheDaemonRunsAlone() throws {
        let directory = try Directory()
        defer { directory.remove() }
        #expect(try directory.load(Self.store).get().cluster == nil)
    }

    @Test func nodeIsNamedOrTheHostName() throws {
        let directory = try Directory()
        defer { directory.remove() }
        let named = try directory.load(Self.store + "cluster:\n  node: contextd-a\n").get()
        #expect(named.cluster?.node == "contextd-a")
        let defaulted = try directory.load(Self.store + "cluster: {}\n").get()
        let host = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(defaulted.cluster?.node == host)
    }

    /// `cluster.log_retention`: none by default (the whole log is kept, it is the run's
    /// reference), at least an hour when set.
    @Test func logRetentionIsNoneByDefaultAndADurationWhenSet() throws {
        let directory = try Directory()
        defer { directory.remove() }
        #expect(try directory.load(Self.store + "cluster: {}\n").get().cluster?.logRetention == nil)
        let set = try directory.load(Self.store + "cluster:\n  log_retention: 14d\n").get()
        #expect(set.cluster?.logRetention == .days(14))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { message }
    }

    static let cases = [
        Case(text: "cluster:\n  node: a\n", line: 2, column: 3,
            message: "'cluster' needs a PostgreSQL store, where the nodes share their event log: add 'store: "
                + "postgresql://USER@HOST/DB', or remove 'cluster' to run one daemon on SQLite"),
        Case(text: store + "cluster:\n  node: a b\n", line: 3, column: 9,
            message: "'cluster.node' may hold only letters, digits, '.', '-' and '_'; use a host name such as 'contextd-a'"),
        Case(text: store + "cluster:\n  nodes: a\n", line: 3, column: 3,
            message: "unknown field 'nodes' in 'cluster' — did you mean 'node'?"),
        Case(text: store + "cluster:\n  log_retention: 10m\n", line: 3, column: 18,
            message: "'cluster.log_retention' must be at least 1h, found '10m'"),
        Case(text: store + "cluster:\n", line: 2, column: 9,
            message: "'cluster' is empty; write 'cluster: {}' to run as a node with the defaults, or remove the key to run alone"),
    ]

    @Test(arguments: cases) func reportsTheMistakeWhereItIs(_ bad: Case) throws {
        let directory = try Directory()
        defer { directory.remove() }
        guard case .failure(let errors) = directory.load(bad.text) else {
            Issue.record("accepted: \(bad.text)")
            return
        }
        let diagnostic = try #require(errors.diagnostics.first)
        #expect(errors.diagnostics.count == 1, "\(errors)")
        #expect(diagnostic.message == bad.message)
        #expect("\(diagnostic.line):\(diagnostic.column)" == "\(bad.line):\(bad.column)")
    }
}
