import ContextdEngine
import HTTPTypes
import ContextdEvents
import ContextdHTTP
import ContextdStore
import ContextdTestSupport
import Synchronization
import Testing

/// SPEC §3: leased tasks are invisible to other pollers. Twenty pollers, each on its own
/// connection, drain 2,000 tasks; every task must reach exactly one of them.
@Suite struct ConcurrentPollersTests {
    @Test func twentyPollersReceiveEachOfTwoThousandTasksExactlyOnce() async throws {
        let harness = try APIHarness()
        let tasks = (0..<2000).map { n in
            APIHarness.task("t-\(n)", assignee: n.isMultiple(of: 2) ? "queue:fraud" : "queue:rent",
                priority: Double(n % 100))
        }
        try harness.publish(tasks)
        let received = try await harness.withServer { port in
            try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let response = try await request(port, .get, "/v1/tasks?assignee=queue:&limit=7")
                            guard response.status == 200 else { throw PollError.status(response.status, response.text) }
                            if response.taskIDs.isEmpty { return mine }
                            mine += response.taskIDs
                            for id in response.taskIDs {
                                let ack = try await request(port, .post, "/v1/tasks/\(id)/ack", body: #"{"outcome":"done"}"#)
                                guard ack.status == 200 else { throw PollError.status(ack.status, ack.text) }
                            }
                        }
                    }
                }
                var all: [[String]] = []
                for try await ids in group { all.append(ids) }
                return all
            }
        }
        let flat = received.flatMap { $0 }
        #expect(flat.count == 2000, "tasks received: \(flat.count)")
        #expect(Set(flat).count == 2000, "a task reached two pollers")
        #expect(Set(flat) == Set(tasks.map(\.id)))
        #expect(received.filter { !$0.isEmpty }.count > 1, "the work was shared")
        #expect(try await harness.store.taskCounts()[.acked] == 2000)
    }

    enum PollError: Error { case status(Int, String) }
}
