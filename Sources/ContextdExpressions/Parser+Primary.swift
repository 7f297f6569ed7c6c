import ContextdEvents

/// Operands: literals, names, calls, lists, maps, parentheses, and the postfix chain after them.
extension Parser {
    mutating func parsePostfix() -> Syntax {
        var expression = parsePrimary()
        while true {
            if token.isSymbol(.dot) {
                advance()
                guard case .identifier(let name) = token.kind else {
                    report("expected a field name after '.', found \(describe(token))", token.range)
                    return expression
                }
                let nameRange = token.range
                advance()
                if token.isSymbol(.leftParen) {
                    let call = parseCall(name, nameRange: nameRange, receiver: expression)
                    expression = call
                } else {
                    let field = Syntax.Kind.field(expression, name: name, nameRange: nameRange)
                    expression = Syntax(field, expression.range.through(nameRange))
                }
            } else if token.isSymbol(.leftBracket) {
                let opener = token.range
                advance()
                let index = parseExpression()
                let (end, closed) = expectClosing(.rightBracket, opener: opener)
                let kind: Syntax.Kind = closed ? .index(expression, index) : .incomplete([expression, index])
                expression = Syntax(kind, SourceRange(start: expression.range.start, end: end))
            } else if token.isSymbol(.leftParen) {
                report(
                    "only a function name can be called; '\(expression.range.text(in: bytes))' is not one",
                    token.range
                )
                let (arguments, end, _) = parseArguments()
                expression = Syntax(
                    .incomplete([expression] + arguments),
                    SourceRange(start: expression.range.start, end: end)
                )
            } else {
                return expression
            }
        }
    }

    /// `( a, b )`, the current token being `(`.
    mutating func parseArguments() -> (arguments: [Syntax], end: Int, closed: Bool) {
        let opener = token.range
        advance()
        let (arguments, end, closed) = parseSequence(closer: .rightParen, opener: opener) { $0.parseExpression() }
        return (arguments, end, closed)
    }

    /// `name(arguments)` or `receiver.name(arguments)`, the current token being `(`.
    mutating func parseCall(_ name: String, nameRange: SourceRange, receiver: Syntax?) -> Syntax {
        let (arguments, end, closed) = parseArguments()
        let range = SourceRange(start: receiver?.range.start ?? nameRange.start, end: end)
        guard closed else { return Syntax(.incomplete((receiver.map { [$0] } ?? []) + arguments), range) }
        return Syntax(.call(name: name, nameRange: nameRange, receiver: receiver, arguments: arguments), range)
    }

    private mutating func parsePrimary() -> Syntax {
        let range = token.range
        switch token.kind {
        case .number(let number):
            advance()
            return Syntax(.literal(.number(number)), range)
        case .duration(let span):
            advance()
            return Syntax(.literal(.duration(span)), range)
        case .string(let text):
            advance()
            return Syntax(.literal(.string(text)), range)
        case .invalid:
            advance()
            return Syntax(.invalid, range)
        case .identifier(let name):
            advance()
            switch name {
            case "true": return Syntax(.literal(.bool(true)), range)
            case "false": return Syntax(.literal(.bool(false)), range)
            case "null": return Syntax(.literal(.null), range)
            default: break
            }
            guard token.isSymbol(.leftParen) else { return Syntax(.identifier(name), range) }
            return parseCall(name, nameRange: range, receiver: nil)
        case .symbol(.leftParen):
            advance()
            let inner = parseExpression()
            let (end, closed) = expectClosing(.rightParen, opener: range)
            return Syntax(closed ? inner.kind : .incomplete([inner]), SourceRange(start: range.start, end: end))
        case .symbol(.leftBracket):
            advance()
            let (elements, end, closed) = parseSequence(closer: .rightBracket, opener: range) { $0.parseExpression() }
            return Syntax(closed ? .list(elements) : .incomplete(elements), SourceRange(start: range.start, end: end))
        case .symbol(.leftBrace):
            advance()
            let (entries, end, closed) = parseSequence(closer: .rightBrace, opener: range) { $0.parseMapEntry() }
            let kind: Syntax.Kind = closed ? .map(entries) : .incomplete(entries.map(\.value))
            return Syntax(kind, SourceRange(start: range.start, end: end))
        default:
            // Nothing is consumed: what is here is a closer or an operator the caller can use.
            report("expected an expression, found \(describe(token))", range)
            return Syntax(.invalid, SourceRange(start: range.start, end: range.start))
        }
    }

    /// `key: value`, where the key is a string literal or a bare name.
    private mutating func parseMapEntry() -> Syntax.MapEntry {
        let keyRange = token.range
        var key = ""
        switch token.kind {
        case .string(let text), .identifier(let text):
            key = text
            advance()
        default:
            report("expected a key (a name or a string) in the map, found \(describe(token))", keyRange)
        }
        guard token.isSymbol(.colon) else {
            report("expected ':' after the key, found \(describe(token))", token.range)
            return Syntax.MapEntry(key: key, keyRange: keyRange, value: Syntax(.invalid, token.range))
        }
        advance()
        return Syntax.MapEntry(key: key, keyRange: keyRange, value: parseExpression())
    }
}
