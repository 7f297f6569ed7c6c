/// Why a pattern of `matches` cannot be compiled: a syntax error, a construct the linear-time
/// engine does not run (backreferences, lookaround), or a program too large.
public struct RegexError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// Where in the pattern, in Unicode scalars from 0.
    public var offset: Int

    public init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) (at character \(offset + 1) of the pattern)" }

    /// A construct refused because no linear-time engine can run it.
    static func unsupported(_ what: String, at offset: Int) -> RegexError {
        RegexError(
            "\(what) is not supported: 'matches' runs in time proportional to the text, which \(what) cannot",
            at: offset
        )
    }
}
