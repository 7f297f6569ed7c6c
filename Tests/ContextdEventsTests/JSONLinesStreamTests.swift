import ContextdEvents
import Testing

@Suite("JSON Lines streaming")
struct JSONLinesStreamTests {
    static let longLine = #"{"specversion":"1.0","pad":""# + String(repeating: "x", count: 5000) + #""}"#

    /// CRLF and LF endings, blank and whitespace-only lines, a malformed line, a line over the
    /// limit (1000 bytes here) and a last line without a newline.
    static let file = Array(
        (Samples.line(id: "e1") + "\r\n"
            + "   \n"
            + "\n"
            + #"{"id": tru}"# + "\r\n"
            + Samples.line(id: "e2", minute: 41) + "\n"
            + longLine + "\r\n"
            + "\t\r\n"
            + Samples.line(id: "e3", minute: 42)).utf8
    )

    static let expected: [DecodedItem] = [
        .event(Samples.event(id: "e1"), line: 1),
        .rejected(
            EventRejection(
                line: 4,
                error:
                    "invalid JSON: invalid literal 'tru' (expected a string, number, object, array, true, false or null) at column 8",
                raw: #"{"id": tru}"#
            )
        ),
        .event(Samples.event(id: "e2", minute: 41), line: 5),
        .rejected(
            EventRejection(
                line: 6,
                error: "line is longer than the maximum of 1000 bytes",
                raw: String(longLine.utf8.prefix(4096))!
            )
        ),
        .event(Samples.event(id: "e3", minute: 42), line: 8),
    ]

    @Test(arguments: Samples.chunkSizes)
    func givesTheSameItemsWhateverTheChunks(chunkSize: Int) throws {
        let items = try Samples.decode(Self.file, format: .jsonLines, chunkSize: chunkSize, maxLineBytes: 1000)
        #expect(items == Self.expected)
    }

    @Test func countsTheCarriageReturnOutOfTheLimit() throws {
        let line = Samples.line(id: "e1")
        let limit = line.utf8.count
        let fits = try Samples.decode(
            Array((line + "\r\n").utf8),
            format: .jsonLines,
            chunkSize: 5,
            maxLineBytes: limit
        )
        #expect(fits == [.event(Samples.event(id: "e1"), line: 1)])
        let over = try Samples.decode(
            Array((line + " \r\n").utf8),
            format: .jsonLines,
            chunkSize: 5,
            maxLineBytes: limit
        )
        #expect(
            over == [
                .rejected(
                    EventRejection(line: 1, error: "line is longer than the maximum of \(limit) bytes", raw: line + " ")
                )
            ]
        )
    }

    @Test func rejectsALineOverTheDefaultMaximum() throws {
        let huge = Array(repeating: UInt8(ascii: "y"), count: (1 << 20) + 1)
        let file = huge + Array(("\n" + Samples.line(id: "after") + "\n").utf8)
        let items = try Samples.decode(file, format: .jsonLines, chunkSize: 65536)
        #expect(
            items == [
                .rejected(
                    EventRejection(
                        line: 1,
                        error: "line is longer than the maximum of 1048576 bytes",
                        raw: String(repeating: "y", count: 4096)
                    )
                ),
                .event(Samples.event(id: "after"), line: 2),
            ]
        )
    }

    @Test(arguments: [1, 2, 4, 1000])
    func skipsAByteOrderMark(chunkSize: Int) throws {
        let file = [0xEF, 0xBB, 0xBF] + Array((Samples.line(id: "e1") + "\n").utf8)
        #expect(
            try Samples.decode(file, format: .jsonLines, chunkSize: chunkSize) == [
                .event(Samples.event(id: "e1"), line: 1)
            ]
        )
    }

    @Test(arguments: [[], Array("\n\n  \r\n".utf8), [0xEF, 0xBB, 0xBF], [0xEF, 0xBB]] as [[UInt8]])
    func findsNothingInAnEmptyFile(file: [UInt8]) throws {
        let items = try Samples.decode(file, format: .jsonLines, chunkSize: 1)
        if file == [0xEF, 0xBB] {
            // Two bytes that only look like the start of a byte order mark are a line of their own.
            #expect(items.count == 1)
        } else {
            #expect(items.isEmpty)
        }
    }

    /// Items of chunks before the one with the NUL byte have been handed out already.
    @Test(arguments: [(1, 1), (1 << 20, 0)])
    func rejectsABinaryFile(chunkSize: Int, handedOut: Int) {
        let file = Array((Samples.line(id: "e1") + "\n").utf8) + [0x89, 0x50, 0x4E, 0x47, 0x00, 0x01]
        let offset = file.count - 2
        var stream = EventStreamDecoder(format: .jsonLines, decoder: EventDecoder())
        var seen: [DecodedItem] = []
        let rejection = Samples.fileRejection { () throws(FileRejection) in
            var start = 0
            while start < file.count {
                seen += try stream.feed(file[start..<min(start + chunkSize, file.count)])
                start += chunkSize
            }
            return try stream.finish()
        }
        #expect(
            rejection?.reason == "the file contains a NUL byte (at byte offset \(offset)): it is binary, not JSON text"
        )
        #expect(seen == Array([.event(Samples.event(id: "e1"), line: 1)].prefix(handedOut)))
        // Once rejected, the stream stays rejected.
        #expect(Samples.fileRejection { () throws(FileRejection) in try stream.finish() } == rejection)
    }

    @Test(arguments: [
        ("events.jsonl", EventStreamDecoder.Format.jsonLines), ("events.ndjson", .jsonLines),
        ("EVENTS.JSONL", .jsonLines),
        ("batch.json", .json), ("2026-11-22T10.json", .json),
    ])
    func knowsTheFormatFromTheName(name: String, format: EventStreamDecoder.Format) {
        #expect(EventStreamDecoder.Format.forFileName(name) == format)
    }

    @Test(arguments: ["events.csv", "events.json.gz", "events", "json", "events.jsonl.tmp"])
    func knowsNoFormatForOtherNames(name: String) {
        #expect(EventStreamDecoder.Format.forFileName(name) == nil)
    }
}
