/// RFC 3339 text for timestamps: every event's `time` arrives in it and every task leaves with it.
///
/// Written out byte by byte (no Foundation, no `DateFormatter`) because it runs once per event.
extension Timestamp {
    /// Parses an RFC 3339 date-time: `2026-11-22T10:40:00Z`, `2026-11-22t10:40:00.123456+02:00`.
    ///
    /// Accepts `T`/`t` between date and time, `Z`/`z` or a `±HH:MM` offset, and a fraction of
    /// any length (truncated to milliseconds). A leap second (`:60`) is read as the first instant
    /// of the next minute. Returns nil for anything else, including dates that do not exist
    /// (`2026-02-30`) and a missing zone.
    public init?(rfc3339 text: some StringProtocol) {
        let parsed =
            text.utf8.withContiguousStorageIfAvailable { Timestamp.parseRFC3339($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { Timestamp.parseRFC3339($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses a full date `YYYY-MM-DD` as midnight UTC (due dates in payment payloads).
    public init?(date text: some StringProtocol) {
        let parsed =
            text.utf8.withContiguousStorageIfAvailable { Timestamp.parseDate($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { Timestamp.parseDate($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// The first and last instants RFC 3339 can write in UTC: its years have four digits.
    public static let earliestRFC3339 = Timestamp(milliseconds: -62_167_219_200_000)  // 0000-01-01T00:00:00Z
    public static let latestRFC3339 = Timestamp(milliseconds: 253_402_300_799_999)  // 9999-12-31T23:59:59.999Z

    /// Whether ``rfc3339`` writes valid RFC 3339 for this instant (a four-digit year).
    public var isRFC3339: Bool { self >= Timestamp.earliestRFC3339 && self <= Timestamp.latestRFC3339 }

    /// This instant, or the nearest one RFC 3339 can write: an expiry computed past the end of
    /// year 9999 ends with it.
    public var clampedToRFC3339: Timestamp {
        min(max(self, Timestamp.earliestRFC3339), Timestamp.latestRFC3339)
    }

    /// UTC, with `Z`; milliseconds (`.SSS`) only when they are not zero.
    public var rfc3339: String {
        let f = utcFields
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        if f.year < 0 || f.year > 9999 {
            bytes.append(contentsOf: String(f.year).utf8)
        } else {
            Timestamp.appendDigits(f.year, count: 4, to: &bytes)
        }
        for (separator, field) in [(UInt8(ascii: "-"), f.month), (UInt8(ascii: "-"), f.day)] {
            bytes.append(separator)
            Timestamp.appendDigits(field, count: 2, to: &bytes)
        }
        bytes.append(UInt8(ascii: "T"))
        Timestamp.appendDigits(f.hour, count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Timestamp.appendDigits(f.minute, count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Timestamp.appendDigits(f.second, count: 2, to: &bytes)
        if f.millisecond != 0 {
            bytes.append(UInt8(ascii: "."))
            Timestamp.appendDigits(f.millisecond, count: 3, to: &bytes)
        }
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendDigits(_ value: Int, count: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}

// MARK: - Byte-level parsing

extension Timestamp {
    /// The RFC 3339 parser proper, over UTF-8 bytes.
    static func parseRFC3339(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        // Shortest form: YYYY-MM-DDTHH:MM:SSZ (20 bytes).
        guard b.count >= 20, let midnight = parseDate(UnsafeBufferPointer(rebasing: b[0..<10])),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
            let hour = twoDigits(b, 11), b[13] == UInt8(ascii: ":"),
            let minute = twoDigits(b, 14), b[16] == UInt8(ascii: ":"),
            let second = twoDigits(b, 17),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var index = 19
        var millisecond: Int64 = 0
        if b[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < b.count, let digit = digitValue(b[index]) {
                if index - start < 3 { millisecond = millisecond * 10 + digit }
                index += 1
            }
            let digits = index - start
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millisecond *= 10 }
        }
        guard index < b.count, let offsetMinutes = parseZone(b, from: index) else { return nil }
        let seconds = ((hour * 60 + minute) - offsetMinutes) * 60 + second
        let parsed = Timestamp(milliseconds: midnight.milliseconds + seconds * 1000 + millisecond)
        // An offset can carry a written 9999-12-31 past the last instant contextd could write back.
        return parsed.isRFC3339 ? parsed : nil
    }

    /// The zone at the end of a date-time, as minutes east of UTC; nil unless it ends the text.
    private static func parseZone(_ b: UnsafeBufferPointer<UInt8>, from index: Int) -> Int64? {
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            return index + 1 == b.count ? 0 : nil
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count == index + 6, let hours = twoDigits(b, index + 1), b[index + 3] == UInt8(ascii: ":"),
                let minutes = twoDigits(b, index + 4), hours <= 23, minutes <= 59
            else { return nil }
            let offset = hours * 60 + minutes
            return b[index] == UInt8(ascii: "-") ? -offset : offset
        default:
            return nil
        }
    }

    /// `YYYY-MM-DD` exactly, as midnight UTC.
    static func parseDate(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard b.count == 10, let century = twoDigits(b, 0), let year = twoDigits(b, 2),
            b[4] == UInt8(ascii: "-"), let month = twoDigits(b, 5),
            b[7] == UInt8(ascii: "-"), let day = twoDigits(b, 8)
        else { return nil }
        return Timestamp(year: Int(century * 100 + year), month: Int(month), day: Int(day))
    }

    private static func twoDigits(_ b: UnsafeBufferPointer<UInt8>, _ index: Int) -> Int64? {
        guard let high = digitValue(b[index]), let low = digitValue(b[index + 1]) else { return nil }
        return high * 10 + low
    }

    private static func digitValue(_ byte: UInt8) -> Int64? {
        byte &- UInt8(ascii: "0") < 10 ? Int64(byte &- UInt8(ascii: "0")) : nil
    }
}
