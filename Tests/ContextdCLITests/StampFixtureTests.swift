import ContextdTestKit
import Foundation
import Testing

/// `scripts/stamp-fixture` moves a fixture in time without changing what it means: replayed,
/// every stamped fixture gives the tasks of the original, moved by the same amount. A stamp
/// that shifted event times but not the rent rule's due dates, or broke a gap, would change
/// which tasks appear.
@Suite(.blocksAThread) struct StampFixtureTests {
    /// Not on a whole day, so that a file with dates (moved by whole days) is checked too.
    static let at = "2027-03-14T15:09:26Z"

    static var fixtures: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: ContextdProcess.path("fixtures"))) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.map { String($0.dropLast(".jsonl".count)) }.sorted()
    }

    static func stamp(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ContextdProcess.path("scripts/stamp-fixture"))
        process.arguments = arguments
        process.currentDirectoryURL = ContextdProcess.root
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    static func date(_ text: Any?) -> Date? { (text as? String).flatMap { ISO8601DateFormatter().date(from: $0) } }

    static func latest(_ jsonLines: String) throws -> Date {
        let times = try jsonLines.split(separator: "\n").compactMap { date(try ContextdProcess.json(String($0))["time"]) }
        return try #require(times.max())
    }

    @Test(arguments: fixtures)
    func aStampedFixtureGivesTheSameTasksMovedInTime(_ name: String) throws {
        let file = "fixtures/\(name).jsonl"
        let original = try String(contentsOfFile: ContextdProcess.path(file), encoding: .utf8)
        let stamped = try Self.stamp(["--at", Self.at, "--keep-ids", file])
        let target = try #require(Self.date(Self.at))
        let shift = try Self.latest(stamped).timeIntervalSince(try Self.latest(original))
        let hasDates = original.contains(#""due": ""#)
        if hasDates {
            #expect(shift.truncatingRemainder(dividingBy: 86_400) == 0, "a file with dates moves by whole days")
            #expect(try Self.latest(stamped) <= target && target.timeIntervalSince(try Self.latest(stamped)) < 86_400)
        } else {
            #expect(try Self.latest(stamped) == target)
        }

        let expected = try ContextdProcess.json(
            try String(contentsOfFile: ContextdProcess.path("fixtures/expected/\(name).json"), encoding: .utf8))
        let until = Self.date(expected["until"])
        func replay(_ input: String, until: Date?) throws -> [[String: Any]] {
            let untilArguments = until.map { ["--until", ISO8601DateFormatter().string(from: $0)] } ?? []
            let result = try ContextdProcess.run(["replay", "--rules", "rules"] + untilArguments + ["-"], stdin: input)
            #expect(result.status == 0, "\(result.stderr)")
            return try result.lines.map(ContextdProcess.json)
        }
        let before = try replay(original, until: until)
        let after = try replay(stamped, until: until?.addingTimeInterval(shift))
        #expect(before.count == after.count, "\(name): \(before.count) tasks, stamped \(after.count)")
        for (old, new) in zip(before, after) {
            for field in ["rule", "subject", "assignee", "where", "priority", "evidence", "deferred_by"] {
                #expect("\(old[field] ?? "-")" == "\(new[field] ?? "-")", "\(name): \(field)")
            }
            for field in ["created_at", "not_before", "expires_at"] {
                #expect(Self.date(old[field])?.addingTimeInterval(shift) == Self.date(new[field]), "\(name): \(field)")
            }
        }
    }

    /// Without --keep-ids each id names the stamp time, so a second drop of the same fixture
    /// at another time is new input; stamped twice at one time, the output is the same.
    @Test func idsAreFreshPerStampTimeAndTheOutputIsRepeatable() throws {
        let file = "fixtures/fraud-paris-after-new-york.jsonl"
        let first = try Self.stamp(["--at", Self.at, file])
        let ids = try first.split(separator: "\n").map { try ContextdProcess.json(String($0))["id"] as? String }
        #expect(ids == ["evt-fraud-01-a~20270314T150926Z", "evt-fraud-01-b~20270314T150926Z"])
        #expect(try Self.stamp(["--at", Self.at, file]) == first)
        #expect(try Self.stamp(["--at", "2027-03-14T15:09:27Z", file]) != first)
    }
}
