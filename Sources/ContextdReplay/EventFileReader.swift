public import ContextdEvents
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Streams the events of one file (or standard input) in fixed-size chunks, so a file of any
/// size is read in bounded memory; the decoding itself is the engine-side `EventStreamDecoder`.
public struct EventFileReader: Sendable {
    public var path: String
    public var format: EventStreamDecoder.Format
    public var decoder: EventDecoder
    public var maxLineBytes: Int
    public var chunkSize = 1 << 20
    /// How event times are judged as they are decoded (``EventTimeLimits``): set right before
    /// ``forEach(_:)``, from the engine's clock at that moment.
    public var timeLimits = EventTimeLimits.none
    /// Told of each chunk's bytes and items (`replay`, `test`, `diff` on a terminal); nil, the
    /// default and the daemon's, counts nothing.
    public var progress: ReadProgress?

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
        /// The path and the `errno` of the failed `open`: the daemon tells a passing shortage
        /// (`EMFILE`, `ENFILE`: too many open files) from a file it can never read.
        case cannotOpen(String, code: Int32)
        case rejected(FileRejection)
        public var description: String {
            switch self {
            case .cannotOpen(let path, let code): "cannot open \(path): \(String(cString: strerror(code)))"
            case .rejected(let rejection): rejection.reason
            }
        }

        /// Whether the open failed for want of file descriptors, which a later try can get.
        public var isTooManyOpenFiles: Bool {
            if case .cannotOpen(_, let code) = self { code == EMFILE || code == ENFILE } else { false }
        }

        /// Whether the open failed because nothing is at the path (any more).
        public var isMissing: Bool {
            if case .cannotOpen(_, let code) = self { code == ENOENT } else { false }
        }
    }

    /// Calls `body` for every decoded item, in file order. A file larger than one chunk is read
    /// and decoded on a second thread while `body` runs (``DecodedBatchQueue``); a smaller one,
    /// like the daemon's one-event files, on this thread, with no thread started.
    public func forEach(_ body: (DecodedItem) throws -> Void) throws {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw ReadError.cannotOpen(path, code: errno) }
            handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
        }
        defer { if path != "-" { try? handle.close() } }
        let stream = EventStreamDecoder(
            format: format, decoder: decoder, maxLineBytes: maxLineBytes, timeLimits: timeLimits)
        do {
            if isLargerThanOneChunk(handle) {
                try Self.readAhead(
                    handle, chunkSize: min(chunkSize, Self.readAheadChunk), stream: stream, progress: progress, body)
                return
            }
            var stream = stream
            while true {
                let chunk = handle.readData(ofLength: chunkSize)
                if chunk.isEmpty { break }
                progress?.add(bytes: chunk.count)
                let items = try Self.feed(chunk, to: &stream)
                for item in items { try body(item) }
                progress?.add(items: items.count)
            }
            for item in try stream.finish() { try body(item) }
        } catch let rejection as FileRejection {
            throw ReadError.rejected(rejection)
        }
    }

    /// Standard input counts as large: its size is not known. One `fstat` of the open file:
    /// the daemon asks for every file, one-event files included.
    private func isLargerThanOneChunk(_ handle: FileHandle) -> Bool {
        if path == "-" { return true }
        var status = stat()
        guard fstat(handle.fileDescriptor, &status) == 0 else { return true }
        return Int(status.st_size) > chunkSize
    }

    /// What the reading thread reads and decodes at a time, at most ``DecodedBatchQueue``'s
    /// capacity ahead: decoded events take several times their bytes, and the daemon's memory
    /// target (200 MB with a million entities) had no room for 1 MiB batches four ahead
    /// (VmHWM 215 MB; 179 MB with these).
    static let readAheadChunk = 1 << 18

    /// Reads and decodes on a second thread, `body` runs on this one.
    private static func readAhead(
        _ handle: FileHandle, chunkSize: Int, stream: EventStreamDecoder, progress: ReadProgress?,
        _ body: (DecodedItem) throws -> Void
    ) throws {
        let queue = DecodedBatchQueue(capacity: 2)
        defer { queue.cancelAndWait() }
        Thread {
            defer { queue.producerFinished() }
            var stream = stream
            do {
                while true {
                    let chunk = handle.readData(ofLength: chunkSize)
                    if chunk.isEmpty { break }
                    progress?.add(bytes: chunk.count)
                    guard queue.put(.items(try feed(chunk, to: &stream))) else { return }
                }
                guard queue.put(.items(try stream.finish())) else { return }
                _ = queue.put(.end)
            } catch let rejection as FileRejection {
                _ = queue.put(.rejected(rejection))
            } catch {
                preconditionFailure("decoding threw \(error), which is not a FileRejection")
            }
        }.start()
        while true {
            switch queue.take() {
            case .items(let items):
                for item in items { try body(item) }
                progress?.add(items: items.count)
                queue.retire(consume items)
            case .rejected(let rejection): throw rejection
            case .end: return
            }
        }
    }

    /// Throws only a ``FileRejection`` (`Data.withUnsafeBytes` does not carry the type).
    private static func feed(_ chunk: Data, to stream: inout EventStreamDecoder) throws -> [DecodedItem] {
        try chunk.withUnsafeBytes { raw throws(FileRejection) in try stream.feed(raw.bindMemory(to: UInt8.self)) }
    }
}
