/// The inside of a template's `{{ }}`.
extension Parser {
    /// Parses `expression | filter | filter(arguments)` and the closing `}}`; the lexer was started
    /// just after `{{`. `x | f(a)` means `f(x, a)`. Returns the offset after `}}`, or nil when
    /// the hole is not closed where the expression ends.
    mutating func parseHole(opener: SourceRange) -> (syntax: Syntax, end: Int?) {
        if closesHole {
            report("empty '{{ }}'; put an expression inside", opener.through(token.range))
            return (Syntax(.invalid, opener), token.range.end + 1)
        }
        var syntax = parseExpression()
        while token.isSymbol(.pipe) {
            advance()
            guard case .identifier(let name) = token.kind else {
                report("expected a function name after '|', found \(describe(token))", token.range)
                break
            }
            let nameRange = token.range
            advance()
            if token.isSymbol(.leftParen) {
                syntax = parseCall(name, nameRange: nameRange, receiver: syntax)
            } else {
                let call = Syntax.Kind.call(name: name, nameRange: nameRange, receiver: syntax, arguments: [])
                syntax = Syntax(call, SourceRange(start: syntax.range.start, end: nameRange.end))
            }
        }
        if closesHole { return (syntax, token.range.end + 1) }
        report(
            "expected '}}' to close '{{' opened at column \(column(opener)), found \(describe(token))",
            token.range
        )
        return (syntax, nil)
    }

    /// The current token is `}` and the next byte is another `}`.
    private var closesHole: Bool {
        token.isSymbol(.rightBrace) && token.range.end < bytes.count && bytes[token.range.end] == UInt8(ascii: "}")
    }
}
