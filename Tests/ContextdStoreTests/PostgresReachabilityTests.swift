@testable import ContextdStore
import Synchronization
import Testing

/// The "PostgreSQL unreachable" and "reachable again" lines are one pair per outage, however the
/// store's connections find out about it.
@Suite struct PostgresReachabilityTests {
    struct Lost: Error {}

    final class Lines: Sendable {
        let said = Mutex<[String]>([])
        func warn(_ line: String) { said.withLock { $0.append(line) } }
        var all: [String] { said.withLock { $0 } }
    }

    @Test func anAttemptBegunBeforeTheOutageDoesNotSayTheServerIsBack() {
        let lines = Lines()
        let reachability = PostgresReachability(location: "db", warn: lines.warn)
        // The writer takes its cached connection; the reader meanwhile finds the server gone.
        let writer = reachability.attempting()
        reachability.failed(Lost())
        reachability.reached(writer)
        #expect(!reachability.isReachable)
        // The writer's attempt then fails too: still the one outage.
        reachability.failed(Lost())
        #expect(lines.all.count == 1)
        // A retry begun after the outage was declared, and answered, is the server back.
        let retry = reachability.attempting()
        reachability.reached(retry)
        #expect(reachability.isReachable)
        #expect(lines.all.count == 2)
        #expect(lines.all[0].hasPrefix("PostgreSQL unreachable: db: "))
        #expect(lines.all[1] == "PostgreSQL reachable again: db")
    }

    @Test func eachOutageIsOnePair() {
        let lines = Lines()
        let reachability = PostgresReachability(location: "db", warn: lines.warn)
        for _ in 0..<3 {
            let before = reachability.attempting()
            reachability.reached(before)
            reachability.failed(Lost())
            reachability.failed(Lost())
            let retry = reachability.attempting()
            reachability.failed(Lost())
            reachability.reached(retry)
            let again = reachability.attempting()
            reachability.reached(again)
        }
        #expect(lines.all.map { $0.hasPrefix("PostgreSQL unreachable") } == [true, false, true, false, true, false])
    }
}
