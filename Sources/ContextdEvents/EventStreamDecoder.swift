/// Decodes a whole input file, fed in chunks of any size, into events and rejections.
///
/// Spool files may be gigabytes, so nothing here holds more than the chunk in hand plus one
/// line or batch element (and that one only up to `maxLineBytes`). The result depends only on
/// the bytes, never on where the chunks are cut: feeding one byte at a time gives exactly what
/// feeding the whole file at once gives.
///
/// A leading UTF-8 byte order mark is skipped. A NUL byte anywhere means the file is binary and
/// ends decoding with a ``FileRejection``; items handed out before that stay handed out, so the
/// adapter decides what to do with a file that turns out to be unreadable halfway.
public struct EventStreamDecoder: Sendable {
    /// How a file lays out its events, known from its name.
    public enum Format: Sendable, Hashable {
        /// `.jsonl` / `.ndjson`: one event per line.
        case jsonLines
        /// `.json`: one event object, or an array of them (CloudEvents JSON batch).
        case json

        /// The format for a spool file name, or nil when contextd does not read such files.
        public static func forFileName(_ name: String) -> Format? {
            let lowered = name.lowercased()
            if lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") { return .jsonLines }
            if lowered.hasSuffix(".json") { return .json }
            return nil
        }
    }

    public let format: Format
    public let decoder: EventDecoder
    public let maxLineBytes: Int
    /// How event times are judged while the file is decoded (none by default).
    public private(set) var timeLimits: EventTimeLimits

    private var lines: LineSplitter
    private var elements: JSONElementSplitter
    /// The first bytes of the file while it may still turn out to begin with a byte order mark.
    private var head: [UInt8]? = []
    private var failure: FileRejection?

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    public init(format: Format, decoder: EventDecoder, maxLineBytes: Int = 1 << 20, timeLimits: EventTimeLimits = .none) {
        self.format = format
        self.decoder = decoder
        self.maxLineBytes = maxLineBytes
        self.timeLimits = timeLimits
        lines = LineSplitter(maximumLineBytes: maxLineBytes)
        elements = JSONElementSplitter(maximumElementBytes: maxLineBytes)
    }

    /// Decodes what `chunk` completes; the rest waits for the next chunk or ``finish()``.
    public mutating func feed(_ chunk: some Collection<UInt8>) throws(FileRejection) -> [DecodedItem] {
        if let failure { throw failure }
        if var pending = head {
            pending.append(contentsOf: chunk)
            if pending.count < 3, pending.elementsEqual(Self.byteOrderMark.prefix(pending.count)) {
                head = pending
                return []
            }
            head = nil
            let body = pending.starts(with: Self.byteOrderMark) ? Array(pending.dropFirst(3)) : pending
            return try body.withUnsafeBufferPointer { (buffer) throws(FileRejection) in try decode(buffer) }
        }
        if let items = try withContiguous(chunk, { (buffer) throws(FileRejection) in try decode(buffer) }) {
            return items
        }
        return try Array(chunk).withUnsafeBufferPointer { (buffer) throws(FileRejection) in try decode(buffer) }
    }

    /// Decodes the end of the file (a last line without a newline); throws when the file's
    /// structure is broken at its end (an unterminated batch array).
    public mutating func finish() throws(FileRejection) -> [DecodedItem] {
        if let failure { throw failure }
        var items: [DecodedItem] = []
        if let pending = head {
            head = nil
            items = try pending.withUnsafeBufferPointer { (buffer) throws(FileRejection) in try decode(buffer) }
        }
        let decoder = decoder
        let maxLineBytes = maxLineBytes
        var limits = timeLimits
        defer { timeLimits = limits }
        do throws(FileRejection) {
            switch format {
            case .jsonLines:
                lines.finish {
                    if let item = Self.lineItem($0, decoder: decoder, maxLineBytes: maxLineBytes, limits: &limits) {
                        items.append(item)
                    }
                }
            case .json:
                try elements.finish {
                    items.append(Self.elementItem($0, decoder: decoder, maxLineBytes: maxLineBytes, limits: &limits))
                }
            }
        } catch {
            failure = error
            throw error
        }
        return items
    }

    private mutating func decode(_ buffer: UnsafeBufferPointer<UInt8>) throws(FileRejection) -> [DecodedItem] {
        var items: [DecodedItem] = []
        let decoder = decoder
        let maxLineBytes = maxLineBytes
        var limits = timeLimits
        defer { timeLimits = limits }
        do throws(FileRejection) {
            switch format {
            case .jsonLines:
                try lines.split(buffer) {
                    if let item = Self.lineItem($0, decoder: decoder, maxLineBytes: maxLineBytes, limits: &limits) {
                        items.append(item)
                    }
                }
            case .json:
                try elements.split(buffer) {
                    items.append(Self.elementItem($0, decoder: decoder, maxLineBytes: maxLineBytes, limits: &limits))
                }
            }
        } catch {
            failure = error
            throw error
        }
        return items
    }

    /// A line's item; none for a blank line.
    private static func lineItem(
        _ line: LineSplitter.Line, decoder: EventDecoder, maxLineBytes: Int, limits: inout EventTimeLimits
    ) -> DecodedItem? {
        if line.length > maxLineBytes {
            return .rejected(
                EventRejection(
                    line: line.number,
                    error: "line is longer than the maximum of \(maxLineBytes) bytes",
                    rawBytes: line.bytes
                )
            )
        }
        if line.bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) {
            return nil
        }
        return item(decoder.decode(buffer: line.bytes, line: line.number), line: line.number, text: line.bytes,
            limits: &limits)
    }

    private static func elementItem(
        _ element: JSONElementSplitter.Element,
        decoder: EventDecoder,
        maxLineBytes: Int,
        limits: inout EventTimeLimits
    ) -> DecodedItem {
        if element.length > maxLineBytes {
            return .rejected(
                EventRejection(
                    line: element.start.line,
                    error: "element is longer than the maximum of \(maxLineBytes) bytes",
                    rawBytes: element.bytes
                )
            )
        }
        return item(
            decoder.decode(buffer: element.bytes, line: element.start.line, start: element.start),
            line: element.start.line, text: element.bytes, limits: &limits
        )
    }

    private static func item(
        _ result: Result<Event, EventRejection>, line: Int, text: UnsafeBufferPointer<UInt8>,
        limits: inout EventTimeLimits
    ) -> DecodedItem {
        switch result {
        case .success(let event): limits.judge(event, line: line, text: text)
        case .failure(let rejection): .rejected(rejection)
        }
    }
}

/// Runs `body` over the chunk's contiguous storage; nil when it has none.
private func withContiguous<R>(
    _ chunk: some Collection<UInt8>,
    _ body: (UnsafeBufferPointer<UInt8>) throws(FileRejection) -> R
) throws(FileRejection) -> R? {
    let result: Result<R, FileRejection>? = chunk.withContiguousStorageIfAvailable { buffer in
        do throws(FileRejection) { return .success(try body(buffer)) } catch { return .failure(error) }
    }
    return try result?.get()
}
