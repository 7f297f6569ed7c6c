import ContextdEvents

/// Small inputs shared by the tests: one valid CloudEvent in text, and the event it decodes to.
enum Samples {
    static let tenForty = Timestamp(milliseconds: 1_795_344_000_000)  // 2026-11-22T10:40:00Z

    /// A valid event on one line; `id` and the `time` minute vary so that events are told apart.
    static func line(id: String, minute: Int = 40) -> String {
        #"{"specversion":"1.0","id":"\#(id)","source":"cards","type":"card.transaction","subject":"cust-42","#
            + #""time":"2026-11-22T10:\#(minute):00Z","data":{"amount":12.5,"city":"Paris"}}"#
    }

    static func event(id: String, minute: Int = 40, kind: EventKind = .data) -> Event {
        Event(
            id: id,
            source: "cards",
            type: "card.transaction",
            subject: "cust-42",
            time: Timestamp(milliseconds: tenForty.milliseconds + Int64(minute - 40) * 60_000),
            kind: kind,
            data: .object(["amount": .number(12.5), "city": .string("Paris")]),
            attributes: ["specversion": .string("1.0")]
        )
    }

    /// Feeds `bytes` to a fresh stream decoder in chunks of `chunkSize`, then finishes.
    static func decode(
        _ bytes: [UInt8],
        format: EventStreamDecoder.Format,
        chunkSize: Int,
        maxLineBytes: Int = 1 << 20
    ) throws(FileRejection) -> [DecodedItem] {
        var stream = EventStreamDecoder(format: format, decoder: EventDecoder(), maxLineBytes: maxLineBytes)
        var items: [DecodedItem] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + chunkSize, bytes.count)
            items += try stream.feed(bytes[start..<end])
            start = end
        }
        items += try stream.finish()
        return items
    }

    /// The file rejection `body` throws, or nil.
    static func fileRejection(_ body: () throws(FileRejection) -> [DecodedItem]) -> FileRejection? {
        do throws(FileRejection) {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    static let chunkSizes = [1, 2, 3, 7, 64, 4096, 1 << 30]
}
