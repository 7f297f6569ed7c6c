import ContextdEvents
import Foundation
import Testing

/// `EventTimeLimits.keepsEveryText`: every event comes with the producer's exact bytes (what
/// the cluster's event log stores), in both formats and whatever the chunking; without it only
/// a late candidate does, as before.
@Suite struct EventTextTests {
    /// Two events and a bad line; the second event with odd spacing, which a re-encoding would lose.
    static let first = Samples.line(id: "e1")
    static let second = Samples.line(id: "e2", minute: 41).replacingOccurrences(of: #"","type""#, with: #"",  "type""#)

    static func items(keepingText: Bool, format: EventStreamDecoder.Format, chunkSize: Int) throws -> [DecodedItem] {
        let text = format == .jsonLines ? first + "\n{oops\n" + second + "\n" : "[" + first + ",\n  " + second + "]"
        var limits = EventTimeLimits.none
        limits.keepsEveryText = keepingText
        var stream = EventStreamDecoder(format: format, decoder: EventDecoder(), timeLimits: limits)
        let bytes = Array(text.utf8)
        var items: [DecodedItem] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + chunkSize, bytes.count)
            items += try stream.feed(bytes[start..<end])
            start = end
        }
        return items + (try stream.finish())
    }

    @Test(arguments: [EventStreamDecoder.Format.jsonLines, .json], Samples.chunkSizes)
    func everyEventKeepsItsExactText(format: EventStreamDecoder.Format, chunkSize: Int) throws {
        let texts = try Self.items(keepingText: true, format: format, chunkSize: chunkSize).compactMap { item -> String? in
            guard case .eventWithText(_, _, let text) = item else { return nil }
            return String(decoding: text, as: UTF8.self)
        }
        #expect(texts == [Self.first, Self.second])
    }

    @Test(arguments: [EventStreamDecoder.Format.jsonLines, .json])
    func withoutItNoTextIsCopied(format: EventStreamDecoder.Format) throws {
        let items = try Self.items(keepingText: false, format: format, chunkSize: 1 << 30)
        let events = items.filter { if case .event = $0 { true } else { false } }
        #expect(events.count == 2)
        #expect(!items.contains { if case .eventWithText = $0 { true } else { false } })
    }
}
