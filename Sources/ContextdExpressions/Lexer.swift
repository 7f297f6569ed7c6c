import ContextdEvents

/// Turns expression bytes into tokens on demand.
///
/// On demand, from a start offset, because a template is mostly literal text: only the inside of
/// each `{{ }}` is ever lexed, and the parser decides where a hole ends. Mistakes the lexer can
/// repair (`=` for `==`, `&` for `&&`, an unterminated string) are reported and repaired, so the
/// parser keeps going and finds the next problem too.
struct Lexer {
    let bytes: [UInt8]
    private(set) var position: Int
    let allowsPipes: Bool
    private(set) var diagnostics: [ExpressionDiagnostic] = []

    init(bytes: [UInt8], position: Int = 0, allowsPipes: Bool = false) {
        self.bytes = bytes
        self.position = position
        self.allowsPipes = allowsPipes
    }

    mutating func next() -> Token {
        skipWhitespace()
        guard position < bytes.count else {
            return Token(kind: .end, range: SourceRange(start: bytes.count, end: bytes.count))
        }
        let byte = bytes[position]
        if Lexer.isDigit(byte) { return lexNumber() }
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { return lexString(raw: false) }
        if byte == UInt8(ascii: "r") || byte == UInt8(ascii: "R"), position + 1 < bytes.count,
            bytes[position + 1] == UInt8(ascii: "\"") || bytes[position + 1] == UInt8(ascii: "'")
        {
            position += 1
            return lexString(raw: true)
        }
        if Lexer.isIdentifierStart(byte) { return lexIdentifier() }
        return lexSymbol()
    }

    private mutating func skipWhitespace() {
        while position < bytes.count,
            [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(bytes[position])
        {
            position += 1
        }
    }

    private mutating func report(_ message: String, _ range: SourceRange, suggestion: String? = nil) {
        diagnostics.append(ExpressionDiagnostic(message: message, range: range, suggestion: suggestion))
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }

    // MARK: - Numbers and names

    private mutating func lexNumber() -> Token {
        let start = position
        skipDigits()
        if peek() == UInt8(ascii: "."), let after = peek(1), Lexer.isDigit(after) {
            position += 1
            skipDigits()
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            let sign = peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-") ? 1 : 0
            if let digit = peek(1 + sign), Lexer.isDigit(digit) {
                position += 1 + sign
                skipDigits()
            }
        }
        let numberEnd = position
        let value = Double(SourceRange(start: start, end: numberEnd).text(in: bytes)) ?? .nan
        if let glued = peek(), Lexer.isIdentifierByte(glued) {
            while let byte = peek(), Lexer.isIdentifierByte(byte) { position += 1 }
            return gluedSuffix(SourceRange(start: start, end: position), numberEnd: numberEnd, value: value)
        }
        return Token(kind: .number(value), range: SourceRange(start: start, end: position))
    }

    /// `12h` is not a literal: point at the spelling that is, since operators write it often.
    private mutating func gluedSuffix(_ range: SourceRange, numberEnd: Int, value: Double) -> Token {
        let text = range.text(in: bytes)
        if let span = TimeSpan(parsing: text) {
            let fix = "duration(\"\(text)\")"
            report("a duration is written \(fix), not \(text)", range, suggestion: fix)
            return Token(kind: .duration(span), range: range)
        }
        let suffix = SourceRange(start: numberEnd, end: range.end).text(in: bytes)
        report("unexpected '\(suffix)' right after a number", range)
        return Token(kind: .number(value), range: range)
    }

    private mutating func skipDigits() {
        while let byte = peek(), Lexer.isDigit(byte) { position += 1 }
    }

    private mutating func lexIdentifier() -> Token {
        let start = position
        while let byte = peek(), Lexer.isIdentifierByte(byte) { position += 1 }
        let range = SourceRange(start: start, end: position)
        return Token(kind: .identifier(range.text(in: bytes)), range: range)
    }

    // MARK: - Strings

    private mutating func lexString(raw: Bool) -> Token {
        let start = raw ? position - 1 : position
        let quote = bytes[position]
        position += 1
        var text: [UInt8] = []
        while let byte = peek(), byte != UInt8(ascii: "\n") {
            position += 1
            if byte == quote {
                return Token(
                    kind: .string(String(decoding: text, as: UTF8.self)),
                    range: SourceRange(start: start, end: position)
                )
            }
            if byte == UInt8(ascii: "\\"), !raw, let escaped = peek() {
                position += 1
                if escaped == UInt8(ascii: "u"), let scalar = unicodeEscape() {
                    text.append(contentsOf: String(Character(scalar)).utf8)
                } else {
                    text.append(contentsOf: Lexer.unescape(escaped))
                }
            } else {
                text.append(byte)
            }
        }
        let range = SourceRange(start: start, end: position)
        report("unterminated string; close it with \(Character(Unicode.Scalar(quote)))", range)
        return Token(kind: .string(String(decoding: text, as: UTF8.self)), range: range)
    }

    /// The `XXXX` of a `\uXXXX` escape, as JSON writes it (the `\u` is consumed); a lone
    /// surrogate becomes U+FFFD. Nil, with nothing consumed, unless four hex digits follow.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard position + 4 <= bytes.count, bytes[position..<(position + 4)].allSatisfy({ $0.isHexDigit }),
            let code = UInt32(SourceRange(start: position, end: position + 4).text(in: bytes), radix: 16)
        else { return nil }
        position += 4
        return Unicode.Scalar(code) ?? "\u{FFFD}"
    }

    /// `\n \t \r \\ \" \' \0`; any other escape is kept as written, so regular expressions
    /// such as `'\d+'` need no doubled backslashes.
    private static func unescape(_ byte: UInt8) -> [UInt8] {
        switch byte {
        case UInt8(ascii: "n"): [0x0A]
        case UInt8(ascii: "t"): [0x09]
        case UInt8(ascii: "r"): [0x0D]
        case UInt8(ascii: "0"): [0x00]
        case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): [byte]
        default: [UInt8(ascii: "\\"), byte]
        }
    }

    // MARK: - Symbols

    private mutating func lexSymbol() -> Token {
        let start = position
        let byte = bytes[position]
        let next = peek(1)
        let symbol: Symbol
        var repaired = false
        switch byte {
        case UInt8(ascii: "?"): symbol = next == UInt8(ascii: "?") ? .coalesce : .question
        case UInt8(ascii: "|"):
            if next == UInt8(ascii: "|") {
                symbol = .or
            } else if allowsPipes {
                symbol = .pipe
            } else {
                symbol = .or
                report("use '||' for 'or'", SourceRange(start: start, end: start + 1), suggestion: "||")
                repaired = true
            }
        case UInt8(ascii: "&"):
            symbol = .and
            if next != UInt8(ascii: "&") {
                report("use '&&' for 'and'", SourceRange(start: start, end: start + 1), suggestion: "&&")
                repaired = true
            }
        case UInt8(ascii: "="):
            symbol = .equal
            if next != UInt8(ascii: "=") {
                report("use '==' to compare", SourceRange(start: start, end: start + 1), suggestion: "==")
                repaired = true
            }
        case UInt8(ascii: "!"): symbol = next == UInt8(ascii: "=") ? .notEqual : .bang
        case UInt8(ascii: "<"): symbol = next == UInt8(ascii: "=") ? .lessEqual : .less
        case UInt8(ascii: ">"): symbol = next == UInt8(ascii: "=") ? .greaterEqual : .greater
        default:
            guard let single = Symbol(rawValue: String(Character(Unicode.Scalar(byte)))), byte < 0x80 else {
                return skipUnexpectedCharacter()
            }
            symbol = single
        }
        // A repaired single `=`, `&` or `|` stands for its doubled operator but is one byte long.
        position += repaired ? 1 : symbol.rawValue.utf8.count
        return Token(kind: .symbol(symbol), range: SourceRange(start: start, end: position))
    }

    /// Reports a character that starts no token (`#`, `é`, `;`).
    private mutating func skipUnexpectedCharacter() -> Token {
        let start = position
        position += 1
        while let byte = peek(), byte & 0b1100_0000 == 0b1000_0000 { position += 1 }
        let range = SourceRange(start: start, end: position)
        report("unexpected character '\(range.text(in: bytes))'", range)
        return Token(kind: .invalid, range: range)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        Lexer.isDigit(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self | 0x20)
    }
}
