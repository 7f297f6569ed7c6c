import ContextdEvents

/// One lexical unit of an expression.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case number(Double)
        case string(String)
        /// Names, including the words `true`, `false`, `null` and `in`, which the parser reads.
        case identifier(String)
        case symbol(Symbol)
        /// `12h` written as if it were a literal: reported, then read as the duration it means
        /// so that nothing else is reported about it.
        case duration(TimeSpan)
        /// A character that starts no token; already reported.
        case invalid
        case end
    }

    var kind: Kind
    var range: SourceRange

    func isSymbol(_ symbol: Symbol) -> Bool { kind == .symbol(symbol) }

    func isIdentifier(_ name: String) -> Bool { kind == .identifier(name) }
}

/// Punctuation and operators.
enum Symbol: String, Sendable {
    case leftParen = "("
    case rightParen = ")"
    case leftBracket = "["
    case rightBracket = "]"
    case leftBrace = "{"
    case rightBrace = "}"
    case comma = ","
    case dot = "."
    case colon = ":"
    case question = "?"
    case coalesce = "??"
    case or = "||"
    case and = "&&"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
    case plus = "+"
    case minus = "-"
    case star = "*"
    case slash = "/"
    case percent = "%"
    case bang = "!"
    /// `|` between a template value and a filter; only lexed inside `{{ }}`.
    case pipe = "|"
}
