import ContextdEvents
import Testing

@Suite("JSON parsing")
struct JSONParseTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSON.parse(#" { "a" : [1, 2.5, -3e2, true, false, null, "x"], "b": {}, "c": [] } "#)
        #expect(
            value
                == .object([
                    "a": .list([
                        .number(1), .number(2.5), .number(-300), .bool(true), .bool(false), .null, .string("x"),
                    ]),
                    "b": .object([:]),
                    "c": .list([]),
                ])
        )
    }

    @Test(arguments: [
        "0", "-0", "1", "-12.5", "0.1", "1.5", "1e3", "1E-2", "2.5e+3", "3.141592653589793", "48.8566",
        "123456789012345678901234567890", "9007199254740993", "0.000001", "2.2250738585072014e-308",
        "1.7976931348623157e308", "5e-324", "0.1e-400", "100000000000000000000000", "12345678901234567890e-5",
    ])
    func parsesNumbersExactlyAsTheStandardLibrary(text: String) throws {
        let expected = try #require(Double(text))
        #expect(try JSON.parse(text) == .number(expected))
    }

    @Test(arguments: [
        (#""a\"b\\c\/d\b\f\n\r\t""#, "a\"b\\c/d\u{8}\u{C}\n\r\t"),
        (#""\u00e9\u20AC""#, "é€"),
        (#""\ud83d\ude00""#, "😀"),
        (#""x\u0000y""#, "x\u{0}y"),
        (#""\ud800x""#, "\u{FFFD}x"),  // lone high surrogate
        (#""\udc00""#, "\u{FFFD}"),  // lone low surrogate
        (#""\ud800\u0041""#, "\u{FFFD}A"),  // high surrogate followed by a non-surrogate
        (#""\ud800\ud83d\ude00""#, "\u{FFFD}😀"),
        (#""é😀 plain""#, "é😀 plain"),
        (#""before\nafter é""#, "before\nafter é"),
    ])
    func decodesEscapes(text: String, expected: String) throws {
        #expect(try JSON.parse(text) == .string(expected))
    }

    @Test func readsEveryKindOfByteCollection() throws {
        let bytes = Array(#"{"k":[1,"v"]}"#.utf8)
        let expected = Value.object(["k": .list([.number(1), .string("v")])])
        #expect(try JSON.parse(bytes) == expected)
        #expect(try JSON.parse(([0x20] + bytes + [0x20])[1...bytes.count]) == expected)
        #expect(try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) in try JSON.parse(buffer) } == expected)
        #expect(try JSON.parse(bytes.lazy.map { $0 }) == expected)  // not contiguous: copied first
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let depth = JSON.maximumDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try JSON.parse(text)
        var levels = 1
        while case .list(let inner) = value, let first = inner.first {
            value = first
            levels += 1
        }
        #expect(levels == depth)
        #expect(value == .list([]))
    }

    @Test func rejectsNestingBeyondTheLimit() {
        let text = String(repeating: "[", count: 100_000)
        #expect {
            try JSON.parse(text)
        } throws: { error in
            let error = try #require(error as? JSONError)
            return error.message == "arrays and objects nested deeper than 512 levels" && error.column == 513
        }
    }
}
