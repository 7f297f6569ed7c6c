/// Cuts a stream of chunks into lines (`\n` or `\r\n`) for JSON Lines input.
///
/// A line that lies within one chunk is handed over in place, without a copy; only a line that
/// straddles chunks is assembled in a ``RecordBuffer``, which never grows past the line limit.
struct LineSplitter: Sendable {
    /// One line, without its terminator.
    struct Line {
        /// The line's bytes; only its start when it is longer than the limit.
        var bytes: UnsafeBufferPointer<UInt8>
        /// The line's real length in bytes.
        var length: Int
        /// 1-based.
        var number: Int
    }

    private var record: RecordBuffer
    private var lineNumber = 1
    /// Bytes of the stream before the current chunk, for error offsets.
    private var consumed = 0

    init(maximumLineBytes: Int) {
        // One more than the maximum so that a `\r` before the `\n` does not count.
        record = RecordBuffer(limit: maximumLineBytes + 1)
    }

    /// Hands each line completed by `chunk` to `handle`; keeps the unfinished rest.
    mutating func split(_ chunk: UnsafeBufferPointer<UInt8>, _ handle: (Line) -> Void) throws(FileRejection) {
        var lineStart = 0
        var index = LineSplitter.nextNewlineOrNUL(in: chunk, from: 0)
        while index < chunk.count {
            if chunk[index] == 0 { throw FileRejection.binary(atOffset: consumed + index) }
            let piece = UnsafeBufferPointer(rebasing: chunk[lineStart..<index])
            if record.isEmpty {
                handle(LineSplitter.line(piece, length: piece.count, lastByte: piece.last, number: lineNumber))
            } else {
                record.append(piece)
                emitRecord(handle)
            }
            lineNumber += 1
            lineStart = index + 1
            index = LineSplitter.nextNewlineOrNUL(in: chunk, from: lineStart)
        }
        record.append(UnsafeBufferPointer(rebasing: chunk[lineStart...]))
        consumed += chunk.count
    }

    /// The index of the first `\n` or NUL byte at or after `start`, or the chunk's count.
    ///
    /// Looks at eight bytes at a time: a word has a zero byte when `(w - 0x01…01) & ~w & 0x80…80`
    /// is not zero, and a `\n` byte when `w ^ 0x0A…0A` has a zero byte.
    static func nextNewlineOrNUL(in chunk: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        if let base = chunk.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            let newlines: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
            while index + 8 <= chunk.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let shifted = word ^ newlines
                let zeroes = ((word &- ones) & ~word) | ((shifted &- ones) & ~shifted)
                if zeroes & highs != 0 { break }
                index += 8
            }
        }
        while index < chunk.count, chunk[index] != UInt8(ascii: "\n"), chunk[index] != 0 { index += 1 }
        return index
    }

    /// Hands over the last line when the stream does not end with a newline.
    mutating func finish(_ handle: (Line) -> Void) {
        if !record.isEmpty { emitRecord(handle) }
    }

    private mutating func emitRecord(_ handle: (Line) -> Void) {
        record.bytes.withUnsafeBufferPointer { bytes in
            handle(LineSplitter.line(bytes, length: record.length, lastByte: record.lastByte, number: lineNumber))
        }
        record.reset()
    }

    /// The line without a trailing `\r`.
    private static func line(_ bytes: UnsafeBufferPointer<UInt8>, length: Int, lastByte: UInt8?, number: Int) -> Line {
        guard lastByte == UInt8(ascii: "\r") else { return Line(bytes: bytes, length: length, number: number) }
        let kept = bytes.count == length ? UnsafeBufferPointer(rebasing: bytes.dropLast()) : bytes
        return Line(bytes: kept, length: length - 1, number: number)
    }
}
