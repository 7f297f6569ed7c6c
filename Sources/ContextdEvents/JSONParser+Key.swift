/// Object keys, kept as a range of the input until a `String` is really needed: the decoder
/// recognises the CloudEvents envelope attributes by their bytes, so those keys never become
/// strings at all.
extension JSONParser {
    /// An object key, left in place in the input when it has no escapes.
    struct Key {
        /// Offset of the opening quote.
        var offset: Int
        /// The key's bytes in the input, when it has no escapes.
        var content: Range<Int>
        /// The decoded key, when it has escapes.
        var decoded: String?
    }

    /// Parses the key starting at the current `"` without making a `String` of it yet.
    mutating func parseKey() throws(JSONError) -> Key {
        let openingQuote = index
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return Key(offset: openingQuote, content: openingQuote + 1..<index - 1, decoded: nil)
            } else if byte == UInt8(ascii: "\\") {
                index = openingQuote
                return Key(offset: openingQuote, content: 0..<0, decoded: try parseString())
            } else if byte < 0x20 {
                throw unescapedControlCharacter()
            } else if byte < 0x80 {
                index += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        throw error("unterminated string", at: openingQuote)
    }

    func string(of key: Key) -> String {
        key.decoded ?? String(decoding: bytes[key.content], as: UTF8.self)
    }

    /// Whether a key is `name`, compared byte for byte without making a `String`.
    func key(_ key: Key, is name: StaticString) -> Bool {
        if let decoded = key.decoded {
            return decoded.utf8.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        guard key.content.count == name.utf8CodeUnitCount else { return false }
        var offset = 0
        for index in key.content {
            guard bytes[index] == name.utf8Start[offset] else { return false }
            offset += 1
        }
        return true
    }
}
