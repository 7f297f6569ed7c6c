/// The recursive-descent parser behind `JSON.parse`.
///
/// It reads straight from an `UnsafeBufferPointer`, so it must not outlive the buffer; ``JSON``
/// only ever uses it inside a `withUnsafeBufferPointer`-style scope.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let start: TextPosition
    var index = 0
    var depth = 0
    /// Scratch stacks shared by all nesting levels: members and elements of the open objects
    /// and arrays, so that each container is allocated once, at its final size.
    var members: [Member] = []
    var elements: [Value] = []

    struct Member {
        var key: String
        var value: Value
        var keyOffset: Int
    }

    init(bytes: UnsafeBufferPointer<UInt8>, start: TextPosition) {
        self.bytes = bytes
        self.start = start
    }

    mutating func parseDocument() throws(JSONError) -> Value {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw error("trailing characters after JSON value, found \(found())") }
        return value
    }

    // MARK: Values

    mutating func parseValue() throws(JSONError) -> Value {
        guard index < bytes.count else { throw error("expected a JSON value, found end of input") }
        switch bytes[index] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"):
            try parseLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try parseLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try parseLiteral("null")
            return .null
        default:
            if isWordByte(bytes[index]) { throw invalidLiteral(at: index) }
            throw error("expected a JSON value, found \(found())")
        }
    }

    private mutating func parseObject() throws(JSONError) -> Value {
        let base = members.count
        try parseMembers { (parser, key) throws(JSONError) in
            let value = try parser.parseValue()
            parser.members.append(Member(key: parser.string(of: key), value: value, keyOffset: key.offset))
        }
        return .object(try takeMembers(from: base))
    }

    /// Parses the members of the object at the current `{`. For each member, `member` is called
    /// with the key when the parser stands at the value, which it must parse.
    mutating func parseMembers(_ member: (inout JSONParser, Key) throws(JSONError) -> Void) throws(JSONError) {
        try enterContainer()
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        var first = true
        while true {
            guard peek == UInt8(ascii: "\"") else {
                if first { throw error("expected a string key in double quotes or '}', found \(found())") }
                if peek == UInt8(ascii: "}") { throw error("trailing comma in object") }
                throw error("expected a string key in double quotes after ',', found \(found())")
            }
            first = false
            let key = try parseKey()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':' after object key, found \(found())") }
            index += 1
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return
            default:
                throw error("expected ',' or '}' after object member, found \(found())")
            }
        }
    }

    /// The members collected since `base` as a dictionary built at its final size, so that no
    /// key is hashed twice; they are removed from the scratch stack.
    mutating func takeMembers(from base: Int) throws(JSONError) -> [String: Value] {
        var object: [String: Value] = [:]
        object.reserveCapacity(members.count - base)
        for member in members[base...] where object.updateValue(member.value, forKey: member.key) != nil {
            throw error("duplicate key \(JSON.encode(.string(member.key))) in object", at: member.keyOffset)
        }
        members.removeLast(members.count - base)
        return object
    }

    private mutating func parseArray() throws(JSONError) -> Value {
        try enterContainer()
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .list([])
        }
        let base = elements.count
        while true {
            if elements.count > base, peek == UInt8(ascii: "]") { throw error("trailing comma in array") }
            elements.append(try parseValue())
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                let list = Array(elements[base...])
                elements.removeLast(elements.count - base)
                return .list(list)
            default:
                throw error("expected ',' or ']' after array element, found \(found())")
            }
        }
    }

    private mutating func enterContainer() throws(JSONError) {
        guard depth < JSON.maximumDepth else {
            throw error("arrays and objects nested deeper than \(JSON.maximumDepth) levels")
        }
        depth += 1
        index += 1
    }

    private mutating func parseLiteral(_ word: StaticString) throws(JSONError) {
        let literalStart = index
        while index < bytes.count, isWordByte(bytes[index]) { index += 1 }
        let text = UnsafeBufferPointer(rebasing: bytes[literalStart..<index])
        guard text.elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)) else {
            throw invalidLiteral(at: literalStart)
        }
    }

    /// `tru`, `True`, `undefined`, `NaN`: a bare word that is not one of JSON's three literals.
    private func invalidLiteral(at literalStart: Int) -> JSONError {
        var end = literalStart
        while end < bytes.count, end - literalStart < 40, isWordByte(bytes[end]) { end += 1 }
        let shown = String(decoding: bytes[literalStart..<end], as: UTF8.self)
        return error(
            "invalid literal '\(shown)' (expected a string, number, object, array, true, false or null)",
            at: literalStart
        )
    }

    private func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }

    // MARK: Scanning

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

    // MARK: Errors

    /// An error at `offset` (by default the current byte), positioned in the whole text.
    func error(_ message: String, at offset: Int? = nil) -> JSONError {
        let offset = offset ?? index
        var line = start.line
        var column = start.column
        for byte in bytes[0..<min(offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONError(message: message, offset: offset, line: line, column: column)
    }

    /// The byte at `offset` as a person reads it in an error message.
    func found(at offset: Int? = nil) -> String {
        let offset = offset ?? index
        guard offset < bytes.count else { return "end of input" }
        let byte = bytes[offset]
        switch byte {
        case 0x20: return "a space"
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        case 0..<0x20, 0x7F: return "control character U+00\(hex(byte))"
        default:
            var end = offset + 1
            while end < bytes.count, end - offset < 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
            var decoder = UTF8()
            var iterator = bytes[offset..<end].makeIterator()
            if case .scalarValue(let scalar) = decoder.decode(&iterator) { return "'\(Character(scalar))'" }
            return "invalid UTF-8 byte 0x\(hex(byte))"
        }
    }

    func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
