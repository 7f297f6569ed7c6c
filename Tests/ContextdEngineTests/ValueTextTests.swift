import Foundation
import Testing

@testable import ContextdReplay

/// An explanation shows numbers as `%.4f` without trailing zeros. The fast path must give
/// exactly what Foundation gives, ties and signs included.
@Suite struct ValueTextTests {
    /// Foundation's text, as the explanation showed it before the fast path.
    static func reference(_ x: Double) -> String {
        var text = String(format: "%.4f", x)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    @Test(arguments: [
        0.5, -0.5, 0.25, 1.23445, 1.23455, 0.00005, 0.00015, 0.000049999, -0.00001, -0.00004, 2.675, 0.1 + 0.2,
        99_999.99995, 99_999.9999, 12_345.6789, -12_345.67891, 1e-9, 3.14159265, 0.0001, 0.00009999, 42.1,
    ])
    func edgeCasesMatchFoundation(x: Double) {
        #expect(ValueText.number(x) == Self.reference(x))
    }

    @Test func manyNumbersMatchFoundation() {
        var state: UInt64 = 6  // a linear congruential sequence: the same numbers on every run
        var checked = 0
        var fast = 0
        for scale in [1e-5, 1e-3, 0.1, 1, 10, 1_000, 99_000, 1e6] {
            for _ in 0..<5_000 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let x = (Double((state >> 11) % 2_000_001) / 1_000_000 - 1) * scale
                #expect(ValueText.number(x) == Self.reference(x), "\(x)")
                if ValueText.fourDecimals(x) != nil { fast += 1 }
                checked += 1
            }
        }
        // The fast path is the common one: everything under 100,000 that is not a near-tie.
        #expect(fast > checked * 3 / 4)
    }

    @Test func declinesWhatItCannotRoundExactly() {
        #expect(ValueText.fourDecimals(0.00005) == nil)  // 0.5 units after scaling: a tie
        #expect(ValueText.fourDecimals(200_000.5) == nil)  // out of range
        #expect(ValueText.fourDecimals(.nan) == nil)
        #expect(ValueText.fourDecimals(.infinity) == nil)
    }
}
