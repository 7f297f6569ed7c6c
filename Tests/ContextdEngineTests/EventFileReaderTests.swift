import ContextdEvents
import ContextdReplay
import Foundation
import Testing

/// A file larger than one chunk is decoded on a second thread: the items, their order and where
/// an unreadable file stops are the same as reading it on one thread.
@Suite struct EventFileReaderTests {
    func items(_ path: String, chunkSize: Int) throws -> (items: [DecodedItem], error: String?) {
        var reader = try #require(EventFileReader(path: path))
        reader.chunkSize = chunkSize
        var items: [DecodedItem] = []
        do {
            try reader.forEach { items.append($0) }
        } catch {
            return (items, "\(error)")
        }
        return (items, nil)
    }

    func temporaryFile(_ contents: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reader-\(UUID().uuidString).jsonl").path
        try Data(contents).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func smallChunksGiveTheSameItemsAsOneChunk() throws {
        let path = RepositoryPaths.fixture("mixed-day.jsonl")
        let whole = try items(path, chunkSize: 1 << 20)
        #expect(whole.error == nil)
        #expect(whole.items.count > 5)
        for size in [7, 64, 333] {
            let chunked = try items(path, chunkSize: size)
            #expect(chunked.error == nil)
            #expect(chunked.items == whole.items, "chunk size \(size)")
        }
    }

    @Test func anUnreadableFileStopsAfterWhatWasDecodedWhole() throws {
        let line = Array(#"{"specversion":"1.0","id":"e1","source":"s","type":"t","subject":"c","time":"2026-11-22T10:00:00Z"}"#.utf8)
        var contents: [UInt8] = []
        for _ in 0..<50 { contents += line + [10] }
        contents += [0, 0xFF, 0xFE, 0, 10]  // binary: the file is rejected here
        let path = try temporaryFile(contents)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let one = try items(path, chunkSize: 1 << 20)
        let ahead = try items(path, chunkSize: line.count + 1)
        #expect(one.error != nil)
        #expect(ahead.error == one.error)
        // One chunk: the failure comes before anything is handed over. Line-sized chunks: every
        // line before the binary one was decoded whole and is handed over, in order.
        #expect(one.items.isEmpty)
        #expect(ahead.items.count == 50)
        #expect(ahead.items.map { if case .event(_, let line) = $0 { line } else { 0 } } == Array(1...50))
    }

    @Test func aBodyThatThrowsStopsTheReadingThread() throws {
        var reader = try #require(EventFileReader(path: RepositoryPaths.fixture("mixed-day.jsonl")))
        reader.chunkSize = 16
        struct Enough: Error {}
        var seen = 0
        #expect(throws: Enough.self) {
            try reader.forEach { _ in
                seen += 1
                if seen == 2 { throw Enough() }
            }
        }
        #expect(seen == 2)
    }
}
