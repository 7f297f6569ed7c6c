import ContextdTestKit
import Foundation
import Testing

/// `replay` and time at its edges: what contextd writes is always RFC 3339, late events are
/// reported and not applied, and clock steps between files (SPEC §8).
@Suite(.blocksAThread) struct ReplayTimeTests {
    static func line(_ id: String, _ type: String, _ time: String, _ data: String) -> String {
        #"{"specversion":"1.0","id":"\#(id)","source":"cards","type":"\#(type)","subject":"cust-end","time":"\#(time)","data":\#(data)}"#
    }

    static let checkin = #"{"lat":40.7128,"lon":-74.006,"city":"New York"}"#
    static let paris = #"{"amount":84.5,"currency":"EUR","merchant":"Cafe","lat":48.8566,"lon":2.3522,"city":"Paris","card_present":true}"#

    /// A card used in Paris on 9999-12-31 at 23:00: the task expires 2 h later, past the last
    /// instant RFC 3339 can write; it used to say "10000-01-01T01:00:00Z".
    @Test func aTaskNearTheEndOfYear9999ExpiresAtTheLastInstantRFC3339CanWrite() throws {
        let events = [
            Self.line("end-1", "location.checkin", "9999-12-31T22:20:00Z", Self.checkin),
            Self.line("end-2", "card.transaction", "9999-12-31T23:00:00Z", Self.paris),
        ].joined(separator: "\n") + "\n"
        let result = try ContextdProcess.run(["replay", "--rules", "rules", "-"], stdin: events)
        #expect(result.status == 0, "\(result.stderr)")
        let task = try ContextdProcess.json(try #require(result.lines.first))
        #expect(task["expires_at"] as? String == "9999-12-31T23:59:59.999Z")
    }

    /// An offset can carry a written 9999-12-31 into year 10000 in UTC: not a time contextd
    /// takes, since it could not write it back.
    @Test func aTimeWhoseUTCInstantFallsInYear10000IsRejected() throws {
        let events = Self.line("end-3", "location.checkin", "9999-12-31T23:30:00-01:00", Self.checkin) + "\n"
        let result = try ContextdProcess.run(["replay", "--rules", "rules", "-"], stdin: events)
        #expect(result.status == 0)
        #expect(result.stderr.contains("-:1: rejected:"), "\(result.stderr)")
    }

    /// Two files: the second's card use is 8 days older than the first's events. Beyond the
    /// default 7 days it is reported late and not applied; with `--allowed-lateness 9d` it is.
    @Test func lateEventsAreReportedAndNotAppliedUnlessTheLatenessAllowsThem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("late-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let recent = directory.appendingPathComponent("recent.jsonl").path
        let old = directory.appendingPathComponent("old.jsonl").path
        try (Self.line("l-1", "account.balance", "2026-11-30T10:00:00Z", #"{"balance":5,"currency":"EUR"}"#) + "\n")
            .write(toFile: recent, atomically: false, encoding: .utf8)
        try ([Self.line("l-2", "location.checkin", "2026-11-22T10:00:00Z", Self.checkin),
            Self.line("l-3", "card.transaction", "2026-11-22T10:40:00Z", Self.paris)].joined(separator: "\n") + "\n")
            .write(toFile: old, atomically: false, encoding: .utf8)

        let strict = try ContextdProcess.run(["replay", "--stats", "--rules", "rules", recent, old])
        #expect(strict.lines.isEmpty)
        #expect(strict.stderr.contains("\(old):1: late: 2026-11-22T10:00:00Z is more than 7d behind the clock"))
        let stats = try ContextdProcess.json(try #require(strict.stderr.split(separator: "\n").last.map(String.init)))
        #expect(stats["late"] as? Int == 2)

        let lenient = try ContextdProcess.run(["replay", "--rules", "rules", "--allowed-lateness", "9d", recent, old])
        #expect(lenient.lines.count == 1, "\(lenient.stderr)")
        #expect(!lenient.stderr.contains("late:"))
    }

    /// A time between two files advances the clock there: the rent reminder's timer (due
    /// 2026-11-26T00:00:00Z, 5 days before the rent) fires at the step, before the next file.
    /// Without the step nothing moves the clock that far, and only the fraud task comes out.
    @Test func aTimeBetweenFilesAdvancesTheClockThere() throws {
        let files = ["fixtures/rent-timer-only.jsonl", "fixtures/fraud-paris-after-new-york.jsonl"]
        let stepped = try ContextdProcess.run(["replay", "--rules", "rules", files[0], "2026-11-26T00:00:00Z", files[1]])
        #expect(stepped.status == 0, "\(stepped.stderr)")
        let rules = try stepped.lines.map { try ContextdProcess.json($0)["rule"] as? String }
        #expect(rules == ["low-balance-before-rent", "location-mismatch-fraud"])
        let plain = try ContextdProcess.run(["replay", "--rules", "rules"] + files)
        #expect(try plain.lines.map { try ContextdProcess.json($0)["rule"] as? String } == ["location-mismatch-fraud"])
    }

    /// `rules=DIR` between two files evaluates what follows with the rules under DIR (a
    /// cluster's change of rules at one log position, as `contextd log export` writes it): the
    /// same card use in Paris, before and after, gives a task in each rule set's words.
    @Test func rulesBetweenFilesChangeTheRulesThere() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switch-\(UUID().uuidString)")
        let changed = directory.appendingPathComponent("rules")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: URL(fileURLWithPath: "rules"), to: changed)
        let fraud = changed.appendingPathComponent("fraud.yaml")
        try (try String(contentsOf: fraud, encoding: .utf8)).replacingOccurrences(of: "Possible card fraud:", with: "Likely card fraud:")
            .write(to: fraud, atomically: true, encoding: .utf8)
        func pair(_ prefix: String, _ hour: Int) throws -> String {
            let path = directory.appendingPathComponent("\(prefix).jsonl").path
            // A customer of its own: one alert per customer and day.
            try ([Self.line("\(prefix)-1", "location.checkin", "2026-11-22T\(hour):00:00Z", Self.checkin),
                Self.line("\(prefix)-2", "card.transaction", "2026-11-22T\(hour):40:00Z", Self.paris)].joined(separator: "\n") + "\n")
                .replacingOccurrences(of: "cust-end", with: "cust-" + prefix)
                .write(toFile: path, atomically: false, encoding: .utf8)
            return path
        }
        let before = try pair("before", 10), after = try pair("after", 14)
        let run = try ContextdProcess.run(["replay", "--rules", "rules", before, "rules=" + changed.path, after])
        #expect(run.status == 0, "\(run.stderr)")
        let whats = try run.lines.map { try ContextdProcess.json($0)["what"] as? String ?? "" }
        #expect(whats.count == 2 && whats[0].hasPrefix("Possible card fraud:") && whats[1].hasPrefix("Likely card fraud:"),
            "\(whats)")

        let missing = try ContextdProcess.run(["replay", "--rules", "rules", before, "rules=" + directory.appendingPathComponent("none").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("error: no rules at"), "\(missing.stderr)")
    }
}
