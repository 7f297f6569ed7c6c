@testable import ContextdDaemon
import ContextdEngine
import ContextdEvents
import Testing

/// The board's hour on a clock the test moves: what `/v1/status` says of the last hour (files
/// done and rejected, events and tasks per minute) keeps exactly what happened in the sixty
/// minutes before the time asked about, whatever came before.
@Suite struct StatusBoardTests {
    static let nine = Timestamp(rfc3339: "2026-11-23T09:00:00Z")!

    static func at(minutes: Int64, seconds: Int64 = 0) -> Timestamp {
        nine + .minutes(minutes) + .seconds(seconds)
    }

    @Test func minutesKeepTheLastHourOldestFirstWithZerosForQuietMinutes() {
        var counts = MinuteCounts()
        counts.add(events: 5, tasks: 1, at: Self.at(minutes: 0, seconds: 10))
        counts.add(events: 7, tasks: 0, at: Self.at(minutes: 0, seconds: 50))
        counts.add(events: 3, tasks: 2, at: Self.at(minutes: 59, seconds: 59))

        let hour = counts.hour(endingAt: Self.at(minutes: 59, seconds: 59))
        #expect(hour.count == 60)
        #expect(hour.first?.start == Self.nine)
        #expect(hour.first.map { [$0.events, $0.tasks] } == [12, 1])
        #expect(hour.last?.start == Self.at(minutes: 59))
        #expect(hour.last.map { [$0.events, $0.tasks] } == [3, 2])
        #expect(hour.dropFirst().dropLast().allSatisfy { $0.events == 0 && $0.tasks == 0 })

        // A minute later 09:00 is out of the hour; its slot is reused by 10:00.
        let later = counts.hour(endingAt: Self.at(minutes: 60, seconds: 1))
        #expect(later.first?.start == Self.at(minutes: 1))
        #expect(later.map(\.events).reduce(0, +) == 3)
        counts.add(events: 4, tasks: 0, at: Self.at(minutes: 60, seconds: 2))
        #expect(counts.hour(endingAt: Self.at(minutes: 60, seconds: 3)).last.map { [$0.events, $0.tasks] } == [4, 0])
        #expect(counts.hour(endingAt: Self.at(minutes: 60, seconds: 3)).map(\.events).reduce(0, +) == 7)

        // Two hours of silence: nothing is left.
        #expect(counts.hour(endingAt: Self.at(minutes: 181)).allSatisfy { $0.events == 0 && $0.tasks == 0 })
    }

    @Test func eventsPerSecondCountsTheMinuteBeforeNow() {
        var counts = MinuteCounts()
        counts.add(events: 120, tasks: 0, at: Self.at(minutes: 10, seconds: 5))
        // 30 s into the next minute: half of the previous minute's 120 is in the last 60 s.
        #expect(counts.eventsPerSecond(at: Self.at(minutes: 11, seconds: 30)) == 1)
        counts.add(events: 60, tasks: 0, at: Self.at(minutes: 11, seconds: 40))
        #expect(counts.eventsPerSecond(at: Self.at(minutes: 11, seconds: 45)) == (60 + 120 * 0.25) / 60)
        #expect(counts.eventsPerSecond(at: Self.at(minutes: 13)) == 0)
    }

    @Test func filesDoneAndRejectedCountTheLastHourOnly() {
        let board = StatusBoard(startedAt: Self.nine)
        board.filesDone(3, spool: "events", at: Self.at(minutes: 0))
        board.filesDone(2, spool: "events", at: Self.at(minutes: 30))
        board.fileRejected("x.csv", reason: "unknown format", spool: "events", at: Self.at(minutes: 45))
        let activity = board.snapshot.spools["events"] ?? StatusBoard.SpoolActivity()
        #expect(activity.done.count(at: Self.at(minutes: 59)) == 5)
        #expect(activity.done.count(at: Self.at(minutes: 60)) == 2, "09:00 is an hour before 10:00: out")
        #expect(activity.done.count(at: Self.at(minutes: 90)) == 0)
        #expect(activity.rejected.count(at: Self.at(minutes: 104)) == 1)
        #expect(activity.rejected.count(at: Self.at(minutes: 105)) == 0)
    }

    @Test func theLastTenRejectedFilesAreKeptNewestFirst() {
        let board = StatusBoard(startedAt: Self.nine)
        board.reading("f-11.jsonl", spool: "events", done: 0)
        for index in 1...12 {
            board.fileRejected("f-\(index).jsonl", reason: "reason \(index)", spool: "events", at: Self.at(minutes: Int64(index)))
        }
        let activity = board.snapshot.spools["events"] ?? StatusBoard.SpoolActivity()
        #expect(activity.lastRejects.map(\.file) == (3...12).reversed().map { "f-\($0).jsonl" })
        #expect(activity.lastRejects.first?.reason == "reason 12")
        #expect(activity.lastRejects.first?.at == Self.at(minutes: 12))
        #expect(activity.inProgress == nil, "the file read was rejected: none is in progress")
        #expect(activity.rejected.count(at: Self.at(minutes: 12)) == 12)
    }

    @Test func commitsAddUpAndTheirMinutesShowInTheHour() {
        let board = StatusBoard(startedAt: Self.nine)
        var rules = ["r": RuleStatistics()]
        rules["r"]?.evaluations = 4
        rules["r"]?.suppressedBy = ["dedup": 1]
        board.committed(
            events: StatusBoard.EventTotals(total: 4, duplicates: 1, rejected: 2, late: 1, future: 1), tasksCreated: 1,
            clock: Self.at(minutes: 1), rules: rules, at: Self.at(minutes: 2, seconds: 3))
        board.committed(
            events: StatusBoard.EventTotals(total: 2, duplicates: 0, rejected: 0, late: 0, future: 0), tasksCreated: 1,
            clock: Self.at(minutes: 3), rules: rules, at: Self.at(minutes: 3, seconds: 1))
        let state = board.snapshot
        #expect(state.events == StatusBoard.EventTotals(total: 6, duplicates: 1, rejected: 2, late: 1, future: 1))
        #expect(state.clock == Self.at(minutes: 3))
        #expect(state.ruleStatistics["r"]?.suppressedBy == ["dedup": 1])
        let hour = state.minutes.hour(endingAt: Self.at(minutes: 3, seconds: 30))
        #expect(hour.suffix(2).map { [$0.events, $0.tasks] } == [[4, 1], [2, 1]])
    }
}
