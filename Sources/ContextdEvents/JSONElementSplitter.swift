/// Cuts a `.json` file, chunk by chunk, into its top-level elements: the one object of a
/// single-event file, or each element of a CloudEvents batch array.
///
/// It does not parse: it only follows strings, escapes and bracket depth far enough to see where
/// each element ends, so that every element is then parsed on its own and a malformed one
/// (`{"id": tru}`) is rejected alone while the rest of the batch still decodes. Memory stays at
/// one chunk plus one element, however large the file.
///
/// Lenient where nothing is lost by it: a missing or doubled comma between elements and a
/// trailing comma are tolerated, and several top-level objects in a row are read one after the
/// other. Bytes that cannot start an element become an element of their own, which then fails
/// to parse and is rejected with its position.
struct JSONElementSplitter: Sendable {
    /// One top-level element.
    struct Element {
        /// The element's bytes; only its start when it is longer than the limit.
        var bytes: UnsafeBufferPointer<UInt8>
        /// The element's real length in bytes.
        var length: Int
        /// Where its first byte is in the file.
        var start: TextPosition
    }

    private enum Place {
        /// Outside any array, where the file's top-level value goes.
        case top
        /// Inside the batch array, after `[` or `,`.
        case beforeElement
        /// Inside the batch array, after an element.
        case afterElement
        /// Inside an element.
        case element
    }

    private var place = Place.top
    private var inArray = false
    private var seenValue = false
    // State of the element being scanned.
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var bare = false
    private var elementStart = TextPosition()
    // Position of the next byte.
    private var position = TextPosition()
    private var consumed = 0
    private var record: RecordBuffer

    init(maximumElementBytes: Int) {
        record = RecordBuffer(limit: maximumElementBytes)
    }

    /// Hands each element completed by `chunk` to `handle`; keeps the unfinished rest.
    mutating func split(_ chunk: UnsafeBufferPointer<UInt8>, _ handle: (Element) -> Void) throws(FileRejection) {
        var start = 0  // where the current element begins in this chunk
        var index = 0
        while index < chunk.count {
            if place == .element, !bare {
                guard let end = try scanNested(chunk, from: index) else { break }
                emit(chunk, from: start, to: end, handle)
                index = end
                continue
            }
            let byte = chunk[index]
            if byte == 0 { throw FileRejection.binary(atOffset: consumed + index) }
            if place == .element {
                if JSONElementSplitter.endsBareValue(byte) {
                    emit(chunk, from: start, to: index, handle)
                    continue  // the delimiter belongs to what follows
                }
            } else if try between(byte) {
                start = index
                beginElement(with: byte)
            }
            advance(over: byte)
            index += 1
        }
        if place == .element { record.append(UnsafeBufferPointer(rebasing: chunk[start...])) }
        consumed += chunk.count
    }

    /// Follows an object, array or string element from `start`; the index just past its end,
    /// or nil when the chunk ends first. The hot loop of batch files, so its state lives in
    /// locals while it runs.
    private mutating func scanNested(
        _ chunk: UnsafeBufferPointer<UInt8>,
        from start: Int
    ) throws(FileRejection) -> Int? {
        var depth = self.depth
        var inString = self.inString
        var escaped = self.escaped
        var position = self.position
        defer {
            self.depth = depth
            self.inString = inString
            self.escaped = escaped
            self.position = position
        }
        var index = start
        while index < chunk.count {
            let byte = chunk[index]
            index += 1
            if byte == UInt8(ascii: "\n") {
                position.line += 1
                position.column = 1
            } else if byte & 0xC0 != 0x80 {
                position.column += 1
            }
            if byte == 0 { throw FileRejection.binary(atOffset: consumed + index - 1) }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return index }
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
        }
        return nil
    }

    /// Hands over a top-level value cut short by the end of the file, or throws when the batch
    /// array was never closed.
    mutating func finish(_ handle: (Element) -> Void) throws(FileRejection) {
        if inArray {
            throw FileRejection(reason: "the JSON array is not terminated: the file ends before its closing ']'")
        }
        if place == .element {
            record.bytes.withUnsafeBufferPointer {
                handle(Element(bytes: $0, length: record.length, start: elementStart))
            }
            record.reset()
            place = .top
        }
    }

    /// Handles a byte outside any element; true when it starts one.
    private mutating func between(_ byte: UInt8) throws(FileRejection) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
            return false
        case UInt8(ascii: "[") where place == .top:
            place = .beforeElement
            inArray = true
            seenValue = true
            return false
        case UInt8(ascii: "]") where place != .top:
            place = .top
            inArray = false
            return false
        case UInt8(ascii: ",") where seenValue:
            if place == .afterElement { place = .beforeElement }
            return false
        default:
            guard seenValue || byte == UInt8(ascii: "{") else {
                throw FileRejection(
                    reason: "a .json file must hold one CloudEvent object or an array of them, but it starts with "
                        + JSONElementSplitter.shown(byte)
                )
            }
            return true
        }
    }

    private mutating func beginElement(with byte: UInt8) {
        place = .element
        seenValue = true
        elementStart = position
        escaped = false
        inString = byte == UInt8(ascii: "\"")
        depth = byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") ? 1 : 0
        bare = !inString && depth == 0
    }

    /// Hands over the element that ends just before `end` and steps out of it.
    private mutating func emit(
        _ chunk: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        _ handle: (Element) -> Void
    ) {
        let piece = UnsafeBufferPointer(rebasing: chunk[start..<end])
        if record.isEmpty {
            handle(Element(bytes: piece, length: piece.count, start: elementStart))
        } else {
            record.append(piece)
            record.bytes.withUnsafeBufferPointer {
                handle(Element(bytes: $0, length: record.length, start: elementStart))
            }
            record.reset()
        }
        place = inArray ? .afterElement : .top
    }

    private mutating func advance(over byte: UInt8) {
        if byte == UInt8(ascii: "\n") {
            position.line += 1
            position.column = 1
        } else if byte & 0xC0 != 0x80 {
            position.column += 1
        }
    }

    /// Whether a byte ends a number, a literal or stray text.
    private static func endsBareValue(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ","),
            UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: "\""):
            true
        default:
            false
        }
    }

    private static func shown(_ byte: UInt8) -> String {
        byte > 0x20 && byte < 0x7F
            ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16, uppercase: true)
    }
}
