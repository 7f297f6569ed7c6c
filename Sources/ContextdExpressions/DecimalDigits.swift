/// A number rounded to a count of decimals in base ten, half away from zero.
///
/// Rounds the shortest decimal text of the double rather than `x * 100`, so `2.675` rounds to
/// `2.68` as a person reading it expects, not to `2.67` as its binary value would.
struct DecimalDigits {
    var negative: Bool
    /// ASCII digits, without leading zeros (`0` alone for zero).
    var integer: [UInt8]
    /// Exactly the requested count of ASCII digits.
    var fraction: [UInt8]

    private static let zero = UInt8(ascii: "0")

    init?(_ value: Double, decimals: Int) {
        guard value.isFinite else { return nil }
        if decimals == 0, value.magnitude < 0x1p52 {
            // Whole numbers: a double whose shortest text ends in `.5` below 2⁵² is exactly that
            // half, so rounding the binary value half away from zero agrees with rounding its
            // text, without producing the text.
            let whole = Int64(value.rounded(.toNearestOrAwayFromZero)).magnitude
            integer = Array(String(whole).utf8)
            fraction = []
            negative = value < 0 && whole != 0
            return
        }
        var (digits, point) = DecimalDigits.split(value.magnitude.description)
        if point < 0 {
            digits.insert(contentsOf: repeatElement(DecimalDigits.zero, count: -point), at: 0)
            point = 0
        }
        if point > digits.count {
            digits.append(contentsOf: repeatElement(DecimalDigits.zero, count: point - digits.count))
        }
        var kept = Array(digits[..<min(digits.count, point + decimals)])
        kept.append(contentsOf: repeatElement(DecimalDigits.zero, count: point + decimals - kept.count))
        if point + decimals < digits.count, digits[point + decimals] >= UInt8(ascii: "5") {
            point += DecimalDigits.incrementCarrying(&kept)
        }
        integer = Array(kept[..<point].drop { $0 == DecimalDigits.zero })
        if integer.isEmpty { integer = [DecimalDigits.zero] }
        fraction = Array(kept[point...])
        negative = value < 0 && (integer != [DecimalDigits.zero] || fraction.contains { $0 != DecimalDigits.zero })
    }

    /// The digits of `1.5e+20`-style text and where the decimal point falls among them.
    private static func split(_ text: String) -> (digits: [UInt8], point: Int) {
        var mantissa = Array(text.utf8)
        var exponent = 0
        if let e = mantissa.firstIndex(of: UInt8(ascii: "e")) {
            exponent = Int(String(decoding: mantissa[(e + 1)...], as: UTF8.self)) ?? 0
            mantissa.removeSubrange(e...)
        }
        let dot = mantissa.firstIndex(of: UInt8(ascii: ".")) ?? mantissa.count
        return (mantissa.filter { $0 != UInt8(ascii: ".") }, dot + exponent)
    }

    /// Adds one to the last digit; returns 1 when a new leading digit was needed.
    private static func incrementCarrying(_ digits: inout [UInt8]) -> Int {
        var index = digits.count - 1
        while index >= 0 {
            if digits[index] == UInt8(ascii: "9") {
                digits[index] = zero
                index -= 1
            } else {
                digits[index] += 1
                return 0
            }
        }
        digits.insert(UInt8(ascii: "1"), at: 0)
        return 1
    }

    /// `-1234.5`.
    var plain: String { text(grouping: false) }

    /// `-1,234.5`.
    var grouped: String { text(grouping: true) }

    private func text(grouping: Bool) -> String {
        var bytes: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        for (index, digit) in integer.enumerated() {
            if grouping, index > 0, (integer.count - index) % 3 == 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(digit)
        }
        if !fraction.isEmpty {
            bytes.append(UInt8(ascii: "."))
            bytes.append(contentsOf: fraction)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
