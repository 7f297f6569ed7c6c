import ContextdEvents
import ContextdSpool
import Foundation
import Testing

@Suite("Spool: rejecting files and events")
struct SpoolRejectTests {
    @Test func rejectMovesTheFileWithASidecarSayingWhy() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("bin.jsonl", "\u{0}\u{1}")
        _ = try fixture.claimed("bin.jsonl")
        let before = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000) - 1000)
        try fixture.spool.reject("bin.jsonl", reason: "the file contains a NUL byte (at byte offset 0)")

        #expect(try fixture.names("cur") == [])
        #expect(try fixture.names("rejected") == ["bin.jsonl", "bin.jsonl.error.json"])
        #expect(try Disk.read(fixture.path("rejected", "bin.jsonl")) == "\u{0}\u{1}")
        let sidecar = try JSON.parse(Disk.read(fixture.path("rejected", "bin.jsonl.error.json")))
        #expect(sidecar["file"] == .string("bin.jsonl"))
        #expect(sidecar["error"] == .string("the file contains a NUL byte (at byte offset 0)"))
        let rejectedAt = try #require(sidecar["rejected_at"].stringValue)
        #expect(rejectedAt.hasSuffix("Z"))
        let instant = try #require(Timestamp(rfc3339: rejectedAt))
        #expect(instant >= before)
        #expect(try fixture.names("tmp") == [])
    }

    @Test func aReusedNameNeverOverwritesRejected() throws {
        let fixture = try SpoolFixture()
        for round in 0..<3 {
            try fixture.drop("x.csv", "round \(round)\n")
            _ = try fixture.spool.claim("x.csv")
        }
        #expect(
            try fixture.names("rejected") == [
                "x.csv", "x.csv.1", "x.csv.1.error.json", "x.csv.2", "x.csv.2.error.json", "x.csv.error.json",
            ]
        )
        #expect(try Disk.read(fixture.path("rejected", "x.csv.2")) == "round 2\n")
        // The sidecar keeps the producer's name.
        let sidecar = try JSON.parse(Disk.read(fixture.path("rejected", "x.csv.2.error.json")))
        #expect(sidecar["file"] == .string("x.csv"))
    }

    @Test func aLeftoverSidecarOrRejectsFileKeepsItsName() throws {
        let fixture = try SpoolFixture()
        // An operator removed a rejected file but kept its sidecar; another kept only rejects.
        try Disk.write("{}", to: fixture.path("rejected", "a.jsonl.error.json"))
        try Disk.write("{}", to: fixture.path("rejected", "a.jsonl.1.errors.jsonl"))
        try fixture.drop("a.jsonl")
        _ = try fixture.claimed("a.jsonl")
        try fixture.spool.reject("a.jsonl", reason: "r")
        #expect(Disk.exists(fixture.path("rejected", "a.jsonl.2")))
        #expect(Disk.exists(fixture.path("rejected", "a.jsonl.2.error.json")))
        #expect(try Disk.read(fixture.path("rejected", "a.jsonl.error.json")) == "{}")
    }

    static let rejections = [
        EventRejection(line: 2, error: "missing required attribute 'subject'", raw: #"{"id":"2"}"#),
        EventRejection(line: 5, error: "invalid JSON: unexpected end of input", raw: "{\"id\":\t\"5\""),
    ]

    @Test func eventRejectsLandNextToTheCompletedFile() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("cards.jsonl")
        _ = try fixture.claimed("cards.jsonl")
        try fixture.spool.writeRejects("cards.jsonl", Self.rejections)
        try fixture.spool.complete("cards.jsonl")

        #expect(try fixture.names("done") == ["cards.jsonl"])
        #expect(try fixture.names("rejected") == ["cards.jsonl.errors.jsonl"])
        #expect(try fixture.names("tmp") == [])
        let lines = try Disk.read(fixture.path("rejected", "cards.jsonl.errors.jsonl")).split(separator: "\n")
        let parsed = try lines.map { try JSON.parse(String($0)) }
        #expect(parsed.map { $0["line"] } == [.number(2), .number(5)])
        #expect(parsed.map { $0["error"].stringValue } == Self.rejections.map(\.error))
        #expect(parsed.map { $0["raw"].stringValue } == Self.rejections.map(\.raw))
    }

    @Test func writingRejectsAgainAfterACrashRewritesThem() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("cards.jsonl")
        _ = try fixture.claimed("cards.jsonl")
        try fixture.spool.writeRejects("cards.jsonl", Self.rejections)
        // The daemon dies here; on start it processes the leftover again from the beginning.
        #expect(try fixture.spool.leftovers() == ["cards.jsonl"])
        _ = try fixture.spool.reclaim("cards.jsonl")
        try fixture.spool.writeRejects("cards.jsonl", Self.rejections)
        try fixture.spool.writeRejects("cards.jsonl", Self.rejections)
        try fixture.spool.complete("cards.jsonl")

        #expect(try fixture.names("rejected") == ["cards.jsonl.errors.jsonl"])
        let text = try Disk.read(fixture.path("rejected", "cards.jsonl.errors.jsonl"))
        #expect(text == Self.rejections.map { $0.json + "\n" }.joined())
    }

    @Test func noRejectsMeansNoFileAndClearsEarlierOnes() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("a.jsonl")
        _ = try fixture.claimed("a.jsonl")
        try fixture.spool.writeRejects("a.jsonl", Self.rejections)
        try fixture.spool.writeRejects("a.jsonl", [])
        try fixture.spool.complete("a.jsonl")
        #expect(try fixture.names("rejected") == [])
    }

    @Test func aReusedNameNeverOverwritesEarlierRejects() throws {
        let fixture = try SpoolFixture(onDone: .delete)
        for round in 1...2 {
            try fixture.drop("hourly.jsonl")
            _ = try fixture.claimed("hourly.jsonl")
            try fixture.spool.writeRejects("hourly.jsonl", [EventRejection(line: round, error: "e", raw: "r")])
            try fixture.spool.complete("hourly.jsonl")
        }
        #expect(try fixture.names("rejected") == ["hourly.jsonl.1.errors.jsonl", "hourly.jsonl.errors.jsonl"])
        #expect(try Disk.read(fixture.path("rejected", "hourly.jsonl.errors.jsonl")).hasPrefix(#"{"line":1,"#))
        #expect(try Disk.read(fixture.path("rejected", "hourly.jsonl.1.errors.jsonl")).hasPrefix(#"{"line":2,"#))
    }

    @Test func aFileRejectedHalfwayKeepsItsEventRejectsUnderTheSameName() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("x.jsonl", "first\n")
        _ = try fixture.claimed("x.jsonl")
        try fixture.spool.reject("x.jsonl", reason: "earlier")
        try fixture.drop("x.jsonl", "second\n")
        _ = try fixture.claimed("x.jsonl")
        try fixture.spool.writeRejects("x.jsonl", Self.rejections)
        try fixture.spool.reject("x.jsonl", reason: "binary after line 5")
        #expect(
            try fixture.names("rejected") == [
                "x.jsonl", "x.jsonl.1", "x.jsonl.1.error.json", "x.jsonl.1.errors.jsonl", "x.jsonl.error.json",
            ]
        )
        #expect(try Disk.read(fixture.path("rejected", "x.jsonl.1")) == "second\n")
    }
}
