import Foundation
import Testing

@testable import ContextdExpressions

/// `format_number` and `round` round the shortest decimal text of a number half away from
/// zero. Whole numbers take a shortcut through the binary value; it must agree with rounding
/// the text, which Foundation's `Decimal` does independently here.
@Suite struct DecimalDigitsTests {
    static func roundedText(_ x: Double) -> String {
        var decimal = Decimal(string: x.description)!
        var rounded = Decimal()
        NSDecimalRound(&rounded, &decimal, 0, .plain)
        let text = NSDecimalNumber(decimal: rounded).stringValue
        return text == "-0" ? "0" : text
    }

    @Test(arguments: [
        0.5, -0.5, 1.5, 2.5, -2.5, 0.49999999999999994, 2.675, 1234.5, -1234.4999, 0.0, -0.0, -0.4, 4503599627370495.5,
        9007199254740991, 1e15 + 0.5, 123_456_789.5,
    ])
    func wholeNumbersRoundTheirText(x: Double) throws {
        let digits = try #require(DecimalDigits(x, decimals: 0))
        #expect(digits.plain == Self.roundedText(x), "\(x)")
    }

    @Test func manyNumbersRoundTheirText() throws {
        var state: UInt64 = 11  // a linear congruential sequence: the same numbers on every run
        for scale in [1.0, 100, 10_000, 1e9] {
            for _ in 0..<3_000 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                // Many halves: a whole number of hundredths, and sometimes exactly .5.
                let hundredths = Double((state >> 11) % 200_001) - 100_000
                let x = (hundredths / 100) * scale
                let digits = try #require(DecimalDigits(x, decimals: 0))
                #expect(digits.plain == Self.roundedText(x), "\(x)")
            }
        }
    }
}
