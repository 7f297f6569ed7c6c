import ContextdEvents
import Testing

@Suite("Timestamp RFC 3339")
struct TimestampRFC3339Tests {
    static let tenForty: Int64 = 1_795_344_000_000  // 2026-11-22T10:40:00Z

    @Test(
        arguments: [
            ("2026-11-22T10:40:00Z", tenForty),
            ("2026-11-22t10:40:00z", tenForty),
            ("2026-11-22T10:40:00.5Z", tenForty + 500),
            ("2026-11-22T10:40:00.05Z", tenForty + 50),
            ("2026-11-22T10:40:00.123Z", tenForty + 123),
            ("2026-11-22T10:40:00.123456789Z", tenForty + 123),
            ("2026-11-22T10:40:00.999999Z", tenForty + 999),
            ("2026-11-22T12:40:00+02:00", tenForty),
            ("2026-11-22T05:10:00-05:30", tenForty),
            ("2026-11-22T10:40:00-00:00", tenForty),
            ("2026-11-22T12:40:00.250+02:00", tenForty + 250),
            ("2026-01-01T00:30:00+01:00", 1_767_223_800_000),
            ("2024-02-29T00:00:00Z", 1_709_164_800_000),
            ("2000-03-01T12:34:56Z", 951_914_096_000),
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59.999Z", -1),
            ("2026-11-22T23:59:60Z", 1_795_392_000_000),  // leap second: the next minute's start
        ] as [(String, Int64)]
    )
    func parsesValid(text: String, milliseconds: Int64) {
        #expect(Timestamp(rfc3339: text)?.milliseconds == milliseconds)
    }

    @Test(arguments: [
        "2026-13-01T00:00:00Z",  // month 13
        "2026-00-10T00:00:00Z",  // month 0
        "2026-02-30T00:00:00Z",  // no such day
        "2025-02-29T00:00:00Z",  // not a leap year
        "2026-11-00T00:00:00Z",  // day 0
        "2026-04-31T00:00:00Z",  // April has 30 days
        "2026-11-22T24:00:00Z",  // hour 24
        "2026-11-22T10:60:00Z",  // minute 60
        "2026-11-22T10:40:61Z",  // second 61
        "2026-11-22T10:40:00",  // no zone
        "2026-11-22 10:40:00Z",  // space instead of T
        "2026-11-22T10:40Z",  // no seconds
        "2026-11-22T10:40:00.Z",  // empty fraction
        "2026-11-22T10:40:00+0200",  // offset without colon
        "2026-11-22T10:40:00+02",  // offset without minutes
        "2026-11-22T10:40:00+24:00",  // offset hour out of range
        "2026-11-22T10:40:00Z ",  // trailing space
        "2026-11-22T10:40:00ZZ",
        "26-11-22T10:40:00Z",  // two-digit year
        "2026-11-22",  // date only
        "2026-11-22T10:4a:00Z",
        "",
        "yesterday",
    ])
    func rejectsInvalid(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func acceptsSubstrings() {
        let line = "time=2026-11-22T10:40:00Z;"
        let slice = line.dropFirst(5).dropLast()
        #expect(Timestamp(rfc3339: slice)?.milliseconds == Self.tenForty)
    }

    @Test(
        arguments: [
            (Int64(0), "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (tenForty, "2026-11-22T10:40:00Z"),
            (tenForty + 7, "2026-11-22T10:40:00.007Z"),
            (tenForty + 120, "2026-11-22T10:40:00.120Z"),
            (951_914_096_000, "2000-03-01T12:34:56Z"),
        ] as [(Int64, String)]
    )
    func formats(milliseconds: Int64, text: String) {
        let timestamp = Timestamp(milliseconds: milliseconds)
        #expect(timestamp.rfc3339 == text)
        #expect(timestamp.description == text)
        #expect(Timestamp(rfc3339: text) == timestamp)
    }

    @Test func formatsOffsetsAsUTC() {
        #expect(Timestamp(rfc3339: "2026-11-22T05:10:00.5-05:30")?.rfc3339 == "2026-11-22T10:40:00.500Z")
    }

    @Test(arguments: [
        ("2026-11-22", Int64(1_795_305_600_000)),
        ("2024-02-29", 1_709_164_800_000),
        ("1970-01-01", 0),
    ])
    func parsesDates(text: String, milliseconds: Int64) {
        #expect(Timestamp(date: text)?.milliseconds == milliseconds)
    }

    @Test(arguments: ["2026-11-22T00:00:00Z", "2026-2-1", "2026-02-30", "2026-13-01", "20261122", "2026-11-22 ", ""])
    func rejectsInvalidDates(text: String) {
        #expect(Timestamp(date: text) == nil)
    }
}
