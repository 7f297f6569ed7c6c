import ContextdEvents

/// Recursive-descent parser for the rule expression language.
///
/// Precedence, lowest first: `?:`, `??`, `||`, `&&`, `== !=`, `< <= > >= in`, `+ -`, `* / %`,
/// unary `! -`, then postfix `.field`, `[index]` and calls. A syntax error does not stop the
/// parse: the unreadable part becomes an `.invalid` node and parsing resumes, so one load
/// reports every mistake it can.
struct Parser {
    private var lexer: Lexer
    private(set) var token: Token
    /// Where the last consumed token ended.
    private var lastEnd: Int
    private var problems: [ExpressionDiagnostic] = []
    /// How deeply operands nest right now; bounded so that hostile input cannot exhaust the stack.
    private var depth = 0
    static let maximumDepth = 200
    let bytes: [UInt8]
    /// How messages name the end of the text.
    var endDescription = "the end of the expression"

    init(bytes: [UInt8], start: Int = 0, allowsPipes: Bool = false) {
        self.bytes = bytes
        lexer = Lexer(bytes: bytes, position: start, allowsPipes: allowsPipes)
        token = lexer.next()
        lastEnd = start
    }

    var diagnostics: [ExpressionDiagnostic] { lexer.diagnostics + problems }

    /// A whole expression, which must use all of the text.
    mutating func parseWhole() -> Syntax {
        if token.kind == .end {
            report("the expression is empty", token.range)
            return Syntax(.invalid, token.range)
        }
        let syntax = parseExpression()
        if token.kind != .end {
            report("unexpected \(describe(token)) after the end of the expression\(hint(for: token))", token.range)
        }
        return syntax
    }

    mutating func parseExpression() -> Syntax { parseConditional() }

    // MARK: - Helpers

    mutating func advance() {
        lastEnd = token.range.end
        token = lexer.next()
    }

    /// Records a syntax error, unless one was already reported at the same place (the second
    /// is then nearly always a consequence of the first).
    mutating func report(_ message: String, _ range: SourceRange) {
        guard !diagnostics.contains(where: { $0.range.start == range.start }) else { return }
        problems.append(ExpressionDiagnostic(message: message, range: range))
    }

    func describe(_ token: Token) -> String {
        token.kind == .end ? endDescription : "'\(token.range.text(in: bytes))'"
    }

    func column(_ range: SourceRange) -> Int { SourceRange.column(of: range.start, in: bytes) }

    private func hint(for token: Token) -> String {
        switch token.kind {
        case .identifier("and"): "; use '&&' for 'and'"
        case .identifier("or"): "; use '||' for 'or'"
        default: ""
        }
    }

    /// Reports a missing closing bracket, naming where its opening one is.
    mutating func reportUnclosed(_ closer: Symbol, opener: SourceRange) {
        let open = opener.text(in: bytes)
        report(
            "expected '\(closer.rawValue)' to close '\(open)' opened at column \(column(opener)), "
                + "found \(describe(token))",
            token.range
        )
    }

    /// Consumes `closer`, or reports it missing; returns where the construct ends, and whether
    /// it was closed.
    mutating func expectClosing(_ closer: Symbol, opener: SourceRange) -> (end: Int, closed: Bool) {
        guard token.isSymbol(closer) else {
            reportUnclosed(closer, opener: opener)
            return (lastEnd, false)
        }
        advance()
        return (lastEnd, true)
    }

    /// Items separated by commas up to `closer` (a trailing comma is allowed). The opener has
    /// been consumed.
    mutating func parseSequence<Item>(
        closer: Symbol,
        opener: SourceRange,
        item: (inout Parser) -> Item
    ) -> (items: [Item], end: Int, closed: Bool) {
        var items: [Item] = []
        while true {
            if token.isSymbol(closer) {
                advance()
                return (items, lastEnd, true)
            }
            items.append(item(&self))
            if token.isSymbol(.comma) {
                advance()
            } else if !token.isSymbol(closer) {
                reportUnclosed(closer, opener: opener)
                return (items, lastEnd, false)
            }
        }
    }

    // MARK: - Operators

    private mutating func parseConditional() -> Syntax {
        let condition = parseCoalesce()
        guard token.isSymbol(.question) else { return condition }
        let question = token.range
        advance()
        let then = parseConditional()
        guard token.isSymbol(.colon) else {
            report("expected ':' for the '?' at column \(column(question)), found \(describe(token))", token.range)
            return Syntax(.incomplete([condition, then]), condition.range.through(then.range))
        }
        advance()
        let otherwise = parseConditional()
        return Syntax(.conditional(condition, then, otherwise), condition.range.through(otherwise.range))
    }

    private mutating func parseCoalesce() -> Syntax {
        let left = parseBinary(level: 0)
        guard token.isSymbol(.coalesce) else { return left }
        advance()
        let right = parseCoalesce()
        return Syntax(.binary(.coalesce, left, right), left.range.through(right.range))
    }

    /// Left-associative binary levels, lowest precedence first.
    private static let levels: [[Symbol: BinaryOperator]] = [
        [.or: .or],
        [.and: .and],
        [.equal: .equal, .notEqual: .notEqual],
        [.less: .less, .lessEqual: .lessEqual, .greater: .greater, .greaterEqual: .greaterEqual],
        [.plus: .add, .minus: .subtract],
        [.star: .multiply, .slash: .divide, .percent: .remainder],
    ]

    private func binaryOperator(at level: Int) -> BinaryOperator? {
        switch token.kind {
        case .symbol(let symbol): Parser.levels[level][symbol]
        case .identifier("in") where level == 3: .in
        default: nil
        }
    }

    private mutating func parseBinary(level: Int) -> Syntax {
        guard level < Parser.levels.count else { return parseUnary() }
        var left = parseBinary(level: level + 1)
        while let op = binaryOperator(at: level) {
            advance()
            let right = parseBinary(level: level + 1)
            left = Syntax(.binary(op, left, right), left.range.through(right.range))
        }
        return left
    }

    private mutating func parseUnary() -> Syntax {
        let start = token.range
        guard depth < Parser.maximumDepth else {
            report("the expression is nested too deeply (more than \(Parser.maximumDepth) levels)", start)
            return Syntax(.invalid, SourceRange(start: start.start, end: start.start))
        }
        depth += 1
        defer { depth -= 1 }
        if token.isSymbol(.bang) {
            advance()
            let operand = parseUnary()
            return Syntax(.unary(.not, operand), start.through(operand.range))
        }
        if token.isSymbol(.minus) {
            advance()
            let operand = parseUnary()
            if case .literal(.number(let number)) = operand.kind {
                return Syntax(.literal(.number(-number)), start.through(operand.range))
            }
            return Syntax(.unary(.negate, operand), start.through(operand.range))
        }
        return parsePostfix()
    }
}
