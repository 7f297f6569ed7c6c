import ContextdEngine
import ContextdEvents
import ContextdStore
import Foundation
import Testing

/// SPEC §2: a backlog of historical files dropped at once is evaluated exactly as `replay`
/// evaluates them.
@Suite(.serialized) struct BacklogTests {
    @Test func fixtureBacklogGivesTheTasksReplayGives() throws {
        let sandbox = try DaemonSandbox()
        let folder = DaemonSandbox.root.appendingPathComponent("fixtures")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jsonl") }
            .sorted()
        for name in names {
            try sandbox.drop(name, try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
        }
        try sandbox.start()
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop() == 0)
        try OutboxComparison.expectSameTasks(sandbox, files: names.map { folder.appendingPathComponent($0).path })
        #expect(sandbox.names(in: "done").count == names.count)
    }
}

/// Compares the outbox with `replay` over the same files: same ids, same JSON, none twice.
enum OutboxComparison {
    /// Returns the number of tasks compared.
    @discardableResult
    static func expectSameTasks(_ sandbox: DaemonSandbox, files: [String]) throws -> Int {
        let outbox = try sandbox.outboxTasks()
        let replayed = try sandbox.replay(files)
        let store = try sandbox.store()
        let clock = try #require(try store.snapshot().clock)
        let expired = Set(try store.tasks(in: .expired).map(\.record.id))
        // What the daemon must have written by its clock: every replayed task already due,
        // except those that expired before they became due.
        var expected: [String: String] = [:]
        for line in replayed {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let id = try #require(object["id"] as? String)
            #expect(expected[id] == nil, "replay printed \(id) twice")
            let due = (object["not_before"] as? String) ?? (object["created_at"] as? String) ?? ""
            guard let dueDate = parse(due),
                dueDate.timeIntervalSince1970 * 1000 <= Double(clock.milliseconds)
            else { continue }
            if expired.contains(id) { continue }
            expected[id] = line
        }
        #expect(Set(outbox.keys) == Set(expected.keys))
        for (id, line) in expected { #expect(outbox[id] == line, "task \(id) differs from replay") }
        #expect(expired.isSubset(of: Set(try replayed.map(DaemonSandbox.id))))
        #expect(!expected.isEmpty)
        return expected.count
    }

    /// RFC 3339 as contextd writes it, with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return ISO8601DateFormatter().date(from: text) ?? fractional.date(from: text)
    }
}
