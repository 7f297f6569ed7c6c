/// A span of an expression's or template's source text, as UTF-8 byte offsets (`end` exclusive).
///
/// Byte offsets rather than lines and columns because the caller — the rule loader — knows
/// where the expression's text sits inside its YAML file and only has to add; bytes are also
/// what the lexer walks, so no conversion happens until someone prints a message.
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    public var description: String { "\(start)..<\(end)" }

    /// The empty range at the very beginning, used before a failure is located.
    static let unknown = SourceRange(start: 0, end: 0)

    /// From the start of `self` to the end of `other`.
    func through(_ other: SourceRange) -> SourceRange {
        SourceRange(start: min(start, other.start), end: max(end, other.end))
    }
}

extension SourceRange {
    /// The 1-based column of `offset` within its line, counted in Unicode scalars, as an
    /// operator counts characters when reading `expected ')' to close '(' opened at column 5`.
    static func column(of offset: Int, in bytes: [UInt8]) -> Int {
        var column = 1
        var index = min(offset, bytes.count) - 1
        while index >= 0, bytes[index] != UInt8(ascii: "\n") {
            if bytes[index] & 0b1100_0000 != 0b1000_0000 { column += 1 }
            index -= 1
        }
        return column
    }

    /// The text this range covers in `bytes`, clamped to the text.
    func text(in bytes: [UInt8]) -> String {
        let lower = max(0, min(start, bytes.count))
        let upper = max(lower, min(end, bytes.count))
        return String(decoding: bytes[lower..<upper], as: UTF8.self)
    }
}
