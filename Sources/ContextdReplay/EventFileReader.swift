public import ContextdEvents
import Foundation

/// Streams the events of one file (or standard input) in fixed-size chunks, so a file of any
/// size is read in bounded memory; the decoding itself is the engine-side `EventStreamDecoder`.
public struct EventFileReader {
    public var path: String
    public var format: EventStreamDecoder.Format
    public var decoder: EventDecoder
    public var maxLineBytes: Int
    public var chunkSize = 1 << 20

    /// Nil when the file name has none of the accepted extensions (`.json`, `.jsonl`, `.ndjson`).
    public init?(path: String, format: EventStreamDecoder.Format? = nil, decoder: EventDecoder = EventDecoder(),
        maxLineBytes: Int = 1 << 20)
    {
        guard let format = format ?? EventStreamDecoder.Format.forFileName(path) else { return nil }
        self.path = path
        self.format = format
        self.decoder = decoder
        self.maxLineBytes = maxLineBytes
    }

    public enum ReadError: Error, CustomStringConvertible {
        case cannotOpen(String)
        case rejected(FileRejection)
        public var description: String {
            switch self {
            case .cannotOpen(let path): "cannot open \(path)"
            case .rejected(let rejection): rejection.reason
            }
        }
    }

    /// Calls `body` for every decoded item, in file order.
    public func forEach(_ body: (DecodedItem) throws -> Void) throws {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else { throw ReadError.cannotOpen(path) }
            handle = opened
        }
        defer { if path != "-" { try? handle.close() } }
        var stream = EventStreamDecoder(format: format, decoder: decoder, maxLineBytes: maxLineBytes)
        do {
            while true {
                let chunk = handle.readData(ofLength: chunkSize)
                if chunk.isEmpty { break }
                for item in try chunk.withUnsafeBytes({ raw throws(FileRejection) in
                    try stream.feed(raw.bindMemory(to: UInt8.self))
                }) { try body(item) }
            }
            for item in try stream.finish() { try body(item) }
        } catch let rejection as FileRejection {
            throw ReadError.rejected(rejection)
        }
    }
}
