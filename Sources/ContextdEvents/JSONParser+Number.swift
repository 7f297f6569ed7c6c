/// JSON numbers, read as `Double`.
///
/// Most numbers in events (`42`, `-12.5`, `48.8566`) have few digits and a small exponent; for
/// those, the digits as an integer and one multiplication or division by an exact power of ten
/// give the correctly rounded result (Clinger's fast path). Anything else goes through the
/// standard library's correctly rounded `Double(_:)`.
extension JSONParser {
    mutating func parseNumber() throws(JSONError) -> Double {
        let numberStart = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0

        // Integer part: `0` or a non-zero digit followed by digits.
        guard let first = digit(at: index) else { throw invalidNumber(numberStart, "expected a digit") }
        if first == 0 {
            index += 1
            if digit(at: index) != nil { throw invalidNumber(numberStart, "leading zeros are not allowed") }
        } else {
            while let d = digit(at: index) {
                accumulate(d, into: &mantissa, digits: &digits, exponent: &exponent, fraction: false)
                index += 1
            }
        }
        // Fraction.
        if peek == UInt8(ascii: ".") {
            index += 1
            guard digit(at: index) != nil else { throw invalidNumber(numberStart, "expected a digit after '.'") }
            while let d = digit(at: index) {
                accumulate(d, into: &mantissa, digits: &digits, exponent: &exponent, fraction: true)
                index += 1
            }
        }
        // Exponent.
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") {
                exponentNegative = peek == UInt8(ascii: "-")
                index += 1
            }
            guard digit(at: index) != nil else { throw invalidNumber(numberStart, "expected a digit in the exponent") }
            var written = 0
            while let d = digit(at: index) {
                if written < 100_000 { written = written * 10 + Int(d) }
                index += 1
            }
            exponent += exponentNegative ? -written : written
        }

        if digits <= 19, mantissa <= 1 << 53, let power = JSONParser.exactPowersOfTen[safe: abs(exponent)] {
            let magnitude = exponent < 0 ? Double(mantissa) / power : Double(mantissa) * power
            return negative ? -magnitude : magnitude
        }
        let text = String(decoding: bytes[numberStart..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("number \(text.prefix(40)) is out of range", at: numberStart)
        }
        return value
    }

    /// Adds a digit to the mantissa while it stays exact; later digits only scale it.
    private func accumulate(
        _ d: UInt64,
        into mantissa: inout UInt64,
        digits: inout Int,
        exponent: inout Int,
        fraction: Bool
    ) {
        if mantissa == 0 && d == 0 {
            // Leading zeros carry no precision.
            if fraction { exponent -= 1 }
            return
        }
        if digits < 19 {
            mantissa = mantissa * 10 + d
            digits += 1
            if fraction { exponent -= 1 }
        } else {
            digits += 1
            if !fraction { exponent += 1 }
        }
    }

    private func digit(at offset: Int) -> UInt64? {
        guard offset < bytes.count else { return nil }
        let value = bytes[offset] &- UInt8(ascii: "0")
        return value < 10 ? UInt64(value) : nil
    }

    private func invalidNumber(_ numberStart: Int, _ reason: String) -> JSONError {
        var end = index
        while end < bytes.count, end - numberStart < 40, JSONParser.isNumberByte(bytes[end]) { end += 1 }
        let shown = String(decoding: bytes[numberStart..<end], as: UTF8.self)
        return error("invalid number '\(shown)': \(reason)", at: numberStart)
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"),
            UInt8(ascii: "e"), UInt8(ascii: "E"):
            true
        default:
            false
        }
    }

    /// 10^0 … 10^22, every one exactly representable as a `Double`.
    static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
