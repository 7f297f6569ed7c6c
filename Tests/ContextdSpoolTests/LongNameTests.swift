import ContextdEvents
import ContextdSpool
import Testing

/// Names near Linux's 255-byte limit: what contextd adds to them must still fit, or the file
/// could never leave `cur/`.
@Suite("Spool: long names")
struct LongNameTests {
    static let longName = String(repeating: "é", count: 121) + ".jsonl"  // 248 bytes

    @Test func aLongNameCanBeCompletedTwice() throws {
        let fixture = try SpoolFixture()
        for _ in 0..<2 {
            try fixture.drop(Self.longName)
            _ = try fixture.claimed(Self.longName)
            try fixture.spool.writeRejects(Self.longName, [.init(line: 1, error: "e", raw: "r")])
            try fixture.spool.complete(Self.longName)
        }
        let done = try fixture.names("done")
        #expect(done.count == 2)
        #expect(done.contains(Self.longName))
        #expect(done.allSatisfy { $0.utf8.count <= 255 })
        let rejected = try fixture.names("rejected")
        #expect(rejected.count == 2)
        #expect(rejected.allSatisfy { $0.hasSuffix(".errors.jsonl") && $0.utf8.count <= 255 })
        #expect(try fixture.names("tmp") == [])
    }

    @Test func aLongNameCanBeRejectedTwice() throws {
        let fixture = try SpoolFixture()
        for _ in 0..<2 {
            try fixture.drop(Self.longName)
            _ = try fixture.claimed(Self.longName)
            try fixture.spool.reject(Self.longName, reason: "r")
        }
        let rejected = try fixture.names("rejected")
        #expect(rejected.count == 4)
        #expect(rejected.filter { $0.hasSuffix(".error.json") }.count == 2)
        #expect(try fixture.names("cur") == [])
    }
}
