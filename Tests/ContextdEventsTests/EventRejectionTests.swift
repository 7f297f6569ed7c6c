import ContextdEvents
import Testing

@Suite("Event rejections")
struct EventRejectionTests {
    @Test func writesOneJSONLine() throws {
        let rejection = EventRejection(
            line: 7,
            error: "missing required attribute 'subject'",
            raw: "{\"id\":\"x\"}\twith tab"
        )
        #expect(
            rejection.json
                == #"{"line":7,"error":"missing required attribute 'subject'","raw":"{\"id\":\"x\"}\twith tab"}"#
        )
        #expect(
            try JSON.parse(rejection.json)
                == .object([
                    "line": .number(7), "error": .string(rejection.error), "raw": .string(rejection.raw),
                ])
        )
    }

    @Test(
        arguments: [
            // A character straddling the 4 KiB cut is left out whole.
            (
                Array(repeating: UInt8(ascii: "a"), count: 4095) + Array("é".utf8) + [0x62],
                String(repeating: "a", count: 4095)
            ),
            // One that ends exactly at the cut is kept.
            (
                Array(repeating: UInt8(ascii: "a"), count: 4094) + Array("é".utf8) + [0x62],
                String(repeating: "a", count: 4094) + "é"
            ),
            (Array(repeating: UInt8(ascii: "a"), count: 4093) + Array("😀".utf8), String(repeating: "a", count: 4093)),
            (Array(repeating: UInt8(ascii: "a"), count: 5000), String(repeating: "a", count: 4096)),
            // Invalid UTF-8 becomes U+FFFD.
            ([0x61, 0xFF, 0x62], "a\u{FFFD}b"),
            ([], ""),
        ] as [([UInt8], String)]
    )
    func keepsTheFirstFourKiB(bytes: [UInt8], raw: String) {
        let rejection = EventRejection(line: 1, error: "e", rawBytes: bytes)
        #expect(rejection.raw == raw)
        #expect(rejection.raw.utf8.count <= 4096)
    }
}
