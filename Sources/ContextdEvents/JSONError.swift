/// Why a piece of JSON text could not be read, and where.
///
/// Upstream systems learn about their mistakes only from the `error` field of a rejection, so
/// the message names what was expected and what was found, and the position points at the byte
/// that broke it: `expected ',' or '}' after object member, found '"' at column 17`.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, without the position.
    public var message: String
    /// Byte offset of the offending byte from the start of the parsed text.
    public var offset: Int
    /// 1-based line of the offending byte.
    public var line: Int
    /// 1-based column of the offending byte, counted in Unicode scalars.
    public var column: Int

    public init(message: String, offset: Int, line: Int, column: Int) {
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// The message with its position: `… at column 17` on a first line, `… at line 3, column 5` after.
    public var description: String {
        line == 1 ? "\(message) at column \(column)" : "\(message) at line \(line), column \(column)"
    }
}
