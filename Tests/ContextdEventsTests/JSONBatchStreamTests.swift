import ContextdEvents
import Testing

@Suite("JSON batch streaming")
struct JSONBatchStreamTests {
    /// A batch with a malformed element, a non-object, an element whose strings hold brackets
    /// and escaped quotes, and valid events around them.
    static let batch = Array(
        ("[\n"
            + "  " + Samples.line(id: "e1") + ",\n"
            + #"  {"id": tru, "source": "x"},"# + "\n"
            + "  " + Samples.line(id: "e2", minute: 41) + ",\n"
            + "  42,\n"
            + #"  {"specversion": "1.0", "note": "brackets ] } [ { and \" quotes \\", "id": "e"},"# + "\n"
            + "  " + Samples.line(id: "é3", minute: 42) + "\n"
            + "]\n").utf8
    )

    static let expected: [DecodedItem] = [
        .event(Samples.event(id: "e1"), line: 2),
        .rejected(
            EventRejection(
                line: 3,
                error:
                    "invalid JSON: invalid literal 'tru' (expected a string, number, object, array, true, false or null) at line 3, column 10",
                raw: #"{"id": tru, "source": "x"}"#
            )
        ),
        .event(Samples.event(id: "e2", minute: 41), line: 4),
        .rejected(EventRejection(line: 5, error: "expected a JSON object (a CloudEvent), got a number", raw: "42")),
        .rejected(
            EventRejection(
                line: 6,
                error: "missing required attribute 'source'",
                raw: #"{"specversion": "1.0", "note": "brackets ] } [ { and \" quotes \\", "id": "e"}"#
            )
        ),
        .event(Samples.event(id: "é3", minute: 42), line: 7),
    ]

    @Test(arguments: Samples.chunkSizes)
    func rejectsTheBadElementAndKeepsTheRest(chunkSize: Int) throws {
        #expect(try Samples.decode(Self.batch, format: .json, chunkSize: chunkSize) == Self.expected)
    }

    @Test(arguments: [1, 5, 1 << 20])
    func readsASingleObject(chunkSize: Int) throws {
        let file = Array(("\n  " + Samples.line(id: "only") + "\n").utf8)
        #expect(
            try Samples.decode(file, format: .json, chunkSize: chunkSize) == [
                .event(Samples.event(id: "only"), line: 2)
            ]
        )
    }

    @Test func readsObjectsOneAfterAnother() throws {
        let file = Array((Samples.line(id: "a") + "\n" + Samples.line(id: "b") + "\n").utf8)
        #expect(
            try Samples.decode(file, format: .json, chunkSize: 3)
                == [.event(Samples.event(id: "a"), line: 1), .event(Samples.event(id: "b"), line: 2)]
        )
    }

    @Test func toleratesCommasThatLoseNothing() throws {
        let file = Array(
            ("[" + Samples.line(id: "a") + ",," + Samples.line(id: "b") + " " + Samples.line(id: "c") + ",]").utf8
        )
        #expect(
            try Samples.decode(file, format: .json, chunkSize: 2)
                == [
                    .event(Samples.event(id: "a"), line: 1), .event(Samples.event(id: "b"), line: 1),
                    .event(Samples.event(id: "c"), line: 1),
                ]
        )
    }

    @Test func reportsAnUnterminatedObjectAsARejection() throws {
        let text = #"{"specversion":"1.0","id":"x""#
        #expect(
            try Samples.decode(Array(text.utf8), format: .json, chunkSize: 4)
                == [
                    .rejected(
                        EventRejection(
                            line: 1,
                            error:
                                "invalid JSON: expected ',' or '}' after object member, found end of input at column 30",
                            raw: text
                        )
                    )
                ]
        )
    }

    @Test(arguments: [1, 1 << 20])
    func rejectsAnElementOverTheLimit(chunkSize: Int) throws {
        let big = #"{"pad":""# + String(repeating: "z", count: 6000) + #""}"#
        let file = Array(("[" + big + ",\n" + Samples.line(id: "after") + "]").utf8)
        #expect(
            try Samples.decode(file, format: .json, chunkSize: chunkSize, maxLineBytes: 1000)
                == [
                    .rejected(
                        EventRejection(
                            line: 1,
                            error: "element is longer than the maximum of 1000 bytes",
                            raw: String(big.utf8.prefix(4096))!
                        )
                    ),
                    .event(Samples.event(id: "after"), line: 2),
                ]
        )
    }

    @Test(arguments: ["", "   \n", "[]", " [ \n ] \n", "\u{FEFF}[]"])
    func findsNothingInAnEmptyBatch(text: String) throws {
        #expect(try Samples.decode(Array(text.utf8), format: .json, chunkSize: 1).isEmpty)
    }

    @Test(arguments: [
        (#""hello""#, "a .json file must hold one CloudEvent object or an array of them, but it starts with '\"'"),
        ("42", "a .json file must hold one CloudEvent object or an array of them, but it starts with '4'"),
        ("null", "a .json file must hold one CloudEvent object or an array of them, but it starts with 'n'"),
        ("[" + Samples.line(id: "a") + ",", "the JSON array is not terminated: the file ends before its closing ']'"),
        ("[" + Samples.line(id: "a"), "the JSON array is not terminated: the file ends before its closing ']'"),
        (#"[{"id": "unterminated"#, "the JSON array is not terminated: the file ends before its closing ']'"),
        ("[1, 2\u{0}]", "the file contains a NUL byte (at byte offset 5): it is binary, not JSON text"),
    ])
    func rejectsAFileThatIsNotABatch(text: String, reason: String) {
        for chunkSize in [1, 1 << 20] {
            let rejection = Samples.fileRejection { () throws(FileRejection) in
                try Samples.decode(Array(text.utf8), format: .json, chunkSize: chunkSize)
            }
            #expect(rejection?.reason == reason)
        }
    }

    @Test(arguments: [1, 1 << 20])
    func rejectsStrayTextAsElements(chunkSize: Int) throws {
        let text = "[\n" + #""just text", } "# + Samples.line(id: "a") + ",\n  {\n    \"id\": [1,\n    2 x]\n  }\n]"
        let items = try Samples.decode(Array(text.utf8), format: .json, chunkSize: chunkSize)
        #expect(
            items == [
                .rejected(
                    EventRejection(
                        line: 2,
                        error: "expected a JSON object (a CloudEvent), got a string",
                        raw: #""just text""#
                    )
                ),
                .rejected(
                    EventRejection(
                        line: 2,
                        error: "invalid JSON: expected a JSON value, found '}' at line 2, column 14",
                        raw: "}"
                    )
                ),
                .event(Samples.event(id: "a"), line: 2),
                .rejected(
                    EventRejection(
                        line: 3,
                        error: "invalid JSON: expected ',' or ']' after array element, found 'x' at line 5, column 7",
                        raw: "{\n    \"id\": [1,\n    2 x]\n  }"
                    )
                ),
            ]
        )
    }

    @Test func rejectsANULByteInsideAString() {
        let bytes = Array(#"[{"a":"\"#.utf8) + [0x00] + Array(#""}]"#.utf8)  // the NUL right after a backslash
        let rejection = Samples.fileRejection { () throws(FileRejection) in
            try Samples.decode(bytes, format: .json, chunkSize: 3)
        }
        #expect(rejection?.reason == "the file contains a NUL byte (at byte offset 8): it is binary, not JSON text")
    }

    @Test func rejectsBinaryContent() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]
        let rejection = Samples.fileRejection { () throws(FileRejection) in
            try Samples.decode(png, format: .json, chunkSize: 4)
        }
        #expect(
            rejection?.reason
                == "a .json file must hold one CloudEvent object or an array of them, but it starts with byte 0x89"
        )
    }
}
