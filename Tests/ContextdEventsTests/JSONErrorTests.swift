import ContextdEvents
import Testing

@Suite("JSON errors")
struct JSONErrorTests {
    struct Case: Sendable, CustomStringConvertible {
        var text: String
        var message: String
        var line = 1
        var column: Int
        var offset: Int
        var description: String { text }
    }

    static let cases: [Case] = [
        Case(
            text: #"{"id": tru}"#,
            message: "invalid literal 'tru' (expected a string, number, object, array, true, false or null)",
            column: 8,
            offset: 7
        ),
        Case(
            text: #"{"id": True}"#,
            message: "invalid literal 'True' (expected a string, number, object, array, true, false or null)",
            column: 8,
            offset: 7
        ),
        Case(
            text: #"{"id": truex}"#,
            message: "invalid literal 'truex' (expected a string, number, object, array, true, false or null)",
            column: 8,
            offset: 7
        ),
        Case(
            text: #"{"a":1 "b":2}"#,
            message: #"expected ',' or '}' after object member, found '"'"#,
            column: 8,
            offset: 7
        ),
        Case(
            text: "[1,2",
            message: "expected ',' or ']' after array element, found end of input",
            column: 5,
            offset: 4
        ),
        Case(text: "[1 2]", message: "expected ',' or ']' after array element, found '2'", column: 4, offset: 3),
        Case(text: #""abc"#, message: "unterminated string", column: 1, offset: 0),
        Case(text: #"{"a": "b"#, message: "unterminated string", column: 7, offset: 6),
        Case(text: #""a\qb""#, message: #"invalid escape '\q' in string"#, column: 3, offset: 2),
        Case(
            text: #""a\u12""#,
            message: #"invalid unicode escape '\u12"' in string (expected \u and four hex digits)"#,
            column: 3,
            offset: 2
        ),
        Case(text: "\"a\tb\"", message: "control character U+0009 in string must be escaped", column: 3, offset: 2),
        Case(text: "\"a\nb\"", message: "control character U+000A in string must be escaped", column: 3, offset: 2),
        Case(text: #"{"a":1} x"#, message: "trailing characters after JSON value, found 'x'", column: 9, offset: 8),
        Case(text: "{} {}", message: "trailing characters after JSON value, found '{'", column: 4, offset: 3),
        Case(text: "", message: "expected a JSON value, found end of input", column: 1, offset: 0),
        Case(text: "   ", message: "expected a JSON value, found end of input", column: 4, offset: 3),
        Case(text: "[1,]", message: "trailing comma in array", column: 4, offset: 3),
        Case(text: #"{"a":1,}"#, message: "trailing comma in object", column: 8, offset: 7),
        Case(text: "{a:1}", message: "expected a string key in double quotes or '}', found 'a'", column: 2, offset: 1),
        Case(
            text: #"{"a":1, 'b':2}"#,
            message: "expected a string key in double quotes after ',', found '''",
            column: 9,
            offset: 8
        ),
        Case(text: #"{"a" 1}"#, message: "expected ':' after object key, found '1'", column: 6, offset: 5),
        Case(text: #"{"a":1,"a":2}"#, message: #"duplicate key "a" in object"#, column: 8, offset: 7),
        Case(text: #"{"a":01}"#, message: "invalid number '01': leading zeros are not allowed", column: 6, offset: 5),
        Case(text: "[1.]", message: "invalid number '1.': expected a digit after '.'", column: 2, offset: 1),
        Case(text: "-", message: "invalid number '-': expected a digit", column: 1, offset: 0),
        Case(text: "[1e]", message: "invalid number '1e': expected a digit in the exponent", column: 2, offset: 1),
        Case(text: "[1e400]", message: "number 1e400 is out of range", column: 2, offset: 1),
        Case(text: "[+1]", message: "expected a JSON value, found '+'", column: 2, offset: 1),
        Case(
            text: "[NaN]",
            message: "invalid literal 'NaN' (expected a string, number, object, array, true, false or null)",
            column: 2,
            offset: 1
        ),
        Case(text: "[\u{1}]", message: "expected a JSON value, found control character U+0001", column: 2, offset: 1),
        Case(
            text: "{\"a\": 1,\n  \"b\": x\n}",
            message: "invalid literal 'x' (expected a string, number, object, array, true, false or null)",
            line: 2,
            column: 8,
            offset: 16
        ),
        // Columns count characters, not bytes: "é" is two bytes.
        Case(
            text: #"{"éé": tru}"#,
            message: "invalid literal 'tru' (expected a string, number, object, array, true, false or null)",
            column: 8,
            offset: 9
        ),
        Case(text: "[é]", message: "expected a JSON value, found 'é'", column: 2, offset: 1),
    ]

    @Test(arguments: cases)
    func reportsWhatAndWhere(testCase: Case) {
        #expect {
            try JSON.parse(testCase.text)
        } throws: { error in
            let error = try #require(error as? JSONError)
            #expect(error.message == testCase.message)
            #expect(error.line == testCase.line)
            #expect(error.column == testCase.column)
            #expect(error.offset == testCase.offset)
            return true
        }
    }

    @Test func describesPositionLikeAPerson() {
        let first = JSONError(message: "expected ',' or '}' after object member", offset: 16, line: 1, column: 17)
        #expect(first.description == "expected ',' or '}' after object member at column 17")
        let later = JSONError(message: "unterminated string", offset: 40, line: 3, column: 5)
        #expect(later.description == "unterminated string at line 3, column 5")
    }

    static let badUTF8: [([UInt8], String, Int)] = [
        ([0x22, 0x61, 0xFF, 0x22], "invalid UTF-8 in string (byte 0xFF)", 2),
        ([0x22, 0x80, 0x22], "invalid UTF-8 in string (byte 0x80)", 1),
        // Overlong encoding of NUL.
        ([0x22, 0xC0, 0x80, 0x22], "invalid UTF-8 in string (byte 0xC0)", 1),
        // A surrogate encoded as UTF-8.
        ([0x22, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8 in string (byte 0xED starts a malformed sequence)", 1),
        // Cut short.
        ([0x22, 0xE2, 0x82, 0x22], "invalid UTF-8 in string (byte 0xE2 starts a malformed sequence)", 1),
        // Above U+10FFFF.
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "invalid UTF-8 in string (byte 0xF4 starts a malformed sequence)", 1),
        ([0x5B, 0xFF, 0x5D], "expected a JSON value, found invalid UTF-8 byte 0xFF", 1),
    ]

    @Test(arguments: badUTF8)
    func rejectsInvalidUTF8(bytes: [UInt8], message: String, offset: Int) {
        #expect {
            try JSON.parse(bytes)
        } throws: { error in
            let error = try #require(error as? JSONError)
            #expect(error.message == message)
            #expect(error.offset == offset)
            return true
        }
    }
}
