import ContextdStore
import ContextdTestKit
import Foundation
import Testing

/// Files dropped one after another into a running daemon, each stamped with the present as
/// live producers stamp them: the outbox holds the tasks `replay` gives over the same files,
/// including a deferred task released early by a later desktop session.
@Suite(.serialized, .blocksAThread) struct LiveTests {
    @Test(arguments: SandboxBackend.all)
    func filesDroppedIntoARunningDaemonGiveTheTasksReplayGives(backend: SandboxBackend) throws {
        let sandbox = try DaemonSandbox(backend: backend)
        try sandbox.start()
        try sandbox.waitUntil("the daemon is up") { sandbox.logText.contains("started") }
        let input = sandbox.directory.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var names: [String] = []

        /// Drops one file of events stamped now (a millisecond apart) and waits until it is done.
        func drop(_ events: [(id: String, type: String, subject: String, data: String)]) throws {
            let now = Date()
            let text = events.enumerated().map { index, event in
                let time = formatter.string(from: now.addingTimeInterval(Double(index) / 1000))
                return """
                    {"specversion":"1.0","id":"\(event.id)","source":"live","type":"\(event.type)",\
                    "subject":"\(event.subject)","time":"\(time)","data":\(event.data)}
                    """
            }.joined(separator: "\n") + "\n"
            let name = String(format: "live-%03d.jsonl", names.count)
            try text.write(to: input.appendingPathComponent(name), atomically: true, encoding: .utf8)
            try sandbox.drop(name, text)
            names.append(name)
            try sandbox.waitUntil("\(name) is done") { sandbox.names(in: "done").contains(name) }
        }

        for k in 0..<4 {
            try drop([
                ("ci-\(k)", "location.checkin", "cust-\(k)", #"{"lat":40.7128,"lon":-74.006,"city":"New York"}"#),
                ("ss-\(k)", "session.started", "user-\(k)", #"{"device":"phone","form_factor":"mobile"}"#),
            ])
            try drop([
                ("tx-\(k)", "card.transaction", "cust-\(k)",
                    #"{"amount":80,"currency":"EUR","merchant":"Cafe","lat":48.8566,"lon":2.3522,"city":"Paris","card_present":true}"#),
                ("lv-\(k)", "lead.visit", "lead-\(k)", #"{"page":"/pricing","owner":"user-\#(k)"}"#),
            ])
            if k % 2 == 0 {
                try drop([("sd-\(k)", "session.started", "user-\(k)", #"{"device":"laptop","form_factor":"desktop"}"#)])
            }
        }
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop() == 0)
        let compared = try OutboxComparison.expectSameTasks(
            sandbox, files: names.map { input.appendingPathComponent($0).path })
        // Four fraud tasks, and the two lead tasks released early by a desktop session.
        #expect(compared == 6)
        let outbox = try sandbox.outboxTasks().values
        #expect(outbox.filter { $0.contains(#""rule":"location-mismatch-fraud""#) }.count == 4)
        // Published in the group's own commit, marked written by the next one or at the stop
        // (decision 0010): none is left staged for the next start to recover.
        let counts = try sandbox.store().taskCounts()
        #expect(counts[.staged] == nil)
        #expect(counts[.written] == compared)
    }
}
