import ContextdEvents
import Testing

@Suite("JSON encoding")
struct JSONEncodeTests {
    @Test(
        arguments: [
            (3.0, "3"), (-3, "-3"), (0, "0"), (-0.0, "0"), (0.5, "0.5"), (0.1, "0.1"), (-12.25, "-12.25"),
            (1e15, "1000000000000000"), (9_007_199_254_740_992, "9007199254740992"),
            (-9_007_199_254_740_992, "-9007199254740992"), (9_007_199_254_740_994, "9.007199254740994e+15"),
            (1e20, "1e+20"), (1e-7, "1e-07"), (48.8566, "48.8566"), (.infinity, "null"), (-.infinity, "null"),
            (.nan, "null"),
        ] as [(Double, String)]
    )
    func formatsNumbers(number: Double, text: String) {
        #expect(JSON.encode(.number(number)) == text)
    }

    @Test(arguments: [
        (0, "0"), (7, "7"), (-7, "-7"), (10, "10"), (-1_893_456_000_000, "-1893456000000"),
        (Int64.max, "9223372036854775807"), (Int64.min, "-9223372036854775808"),
    ] as [(Int64, String)])
    func writesIntegersInPlace(number: Int64, text: String) {
        var output = Array("x".utf8)
        JSON.appendInteger(number, to: &output)
        #expect(String(decoding: output, as: UTF8.self) == "x" + text)
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("a\"b\\c", #""a\"b\\c""#),
        ("line\nfeed\r\ttab\u{8}\u{C}", #""line\nfeed\r\ttab\b\f""#),
        ("\u{0}\u{1}\u{1F}", #""\u0000\u0001\u001f""#),
        ("é€😀 / <>", #""é€😀 / <>""#),
    ])
    func escapesStrings(text: String, json: String) {
        #expect(JSON.encode(.string(text)) == json)
    }

    @Test func sortsKeysAndWritesCompactly() {
        let value = Value.object([
            "b": .number(1), "a": .list([.bool(true), .null, .bool(false)]), "é": .string("x"), "A": .object([:]),
        ])
        #expect(JSON.encode(value) == #"{"A":{},"a":[true,null,false],"b":1,"é":"x"}"#)
    }

    @Test func writesTimesAndDurationsAsStrings() {
        let value = Value.list([
            .timestamp(Timestamp(milliseconds: 1_795_344_000_000)),
            .timestamp(Timestamp(milliseconds: 1_795_344_000_250)),
            .duration(.minutes(90)), .duration(TimeSpan(milliseconds: 1500)),
        ])
        #expect(JSON.encode(value) == #"["2026-11-22T10:40:00Z","2026-11-22T10:40:00.250Z","1h30m","1s500ms"]"#)
    }

    @Test(arguments: [
        #"{"a":[1,2.5,-300,true,false,null,"x"],"b":{},"c":[]}"#,
        #"{"data":{"amount":12.5,"city":"Paris","lat":48.8566},"id":"evt-1","time":"2026-11-22T10:40:00Z"}"#,
        #"["\"quoted\"","tab\t","é😀","\u0001"]"#,
        #"[0.1,1e+20,5e-324,1.7976931348623157e+308,-0.5]"#,
    ])
    func roundTripsCanonicalText(text: String) throws {
        #expect(JSON.encode(try JSON.parse(text)) == text)
    }

    @Test func roundTripsValues() throws {
        let value = Value.object([
            "nested": .object(["list": .list([.number(1), .number(-2.75), .string("\u{7F}\u{2028}")])]),
            "empty": .string(""), "big": .number(123_456_789_012), "none": .null,
        ])
        #expect(try JSON.parse(JSON.encode(value)) == value)
    }
}
