import ContextdEvents

/// The parsed form of an expression, before names and types are resolved.
///
/// Kept only for as long as compilation takes, except for macros, whose syntax is stored in the
/// ``Environment`` and compiled again at each use so that it is type-checked where it is used.
struct Syntax: Sendable {
    indirect enum Kind: Sendable {
        case literal(Value)
        case identifier(String)
        case list([Syntax])
        case map([MapEntry])
        case field(Syntax, name: String, nameRange: SourceRange)
        case index(Syntax, Syntax)
        /// `f(a, b)`, or `a.f(b)` with `a` as the receiver: the receiver becomes the first argument.
        case call(name: String, nameRange: SourceRange, receiver: Syntax?, arguments: [Syntax])
        case unary(UnaryOperator, Syntax)
        case binary(BinaryOperator, Syntax, Syntax)
        case conditional(Syntax, Syntax, Syntax)
        /// Stands in for what a syntax error made unreadable, so the rest can still be checked.
        case invalid
        /// A construct a syntax error left unfinished (`size(x`): its parts are still checked, but
        /// not the construct, which would only add consequences of the syntax error.
        case incomplete([Syntax])
    }

    struct MapEntry: Sendable {
        var key: String
        var keyRange: SourceRange
        var value: Syntax
    }

    var kind: Kind
    var range: SourceRange

    init(_ kind: Kind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

enum UnaryOperator: String, Sendable {
    case not = "!"
    case negate = "-"
}

enum BinaryOperator: String, Sendable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
    case `in` = "in"
    case and = "&&"
    case or = "||"
    case coalesce = "??"

    var isArithmetic: Bool { [.add, .subtract, .multiply, .divide, .remainder].contains(self) }
    var isOrdering: Bool { [.less, .lessEqual, .greater, .greaterEqual].contains(self) }
}

extension Syntax {
    /// Every identifier used as a value, with where it first appears (for macro cycle checks).
    func identifiers() -> [(name: String, range: SourceRange)] {
        var found: [(name: String, range: SourceRange)] = []
        collectIdentifiers(into: &found)
        return found
    }

    private func collectIdentifiers(into found: inout [(name: String, range: SourceRange)]) {
        if case .identifier(let name) = kind { found.append((name, range)) }
        for child in children { child.collectIdentifiers(into: &found) }
    }

    /// The syntax directly inside this one, in source order.
    var children: [Syntax] {
        switch kind {
        case .literal, .invalid, .identifier: []
        case .incomplete(let parts): parts
        case .list(let elements): elements
        case .map(let entries): entries.map(\.value)
        case .field(let receiver, _, _): [receiver]
        case .index(let receiver, let index): [receiver, index]
        case .call(_, _, let receiver, let arguments): (receiver.map { [$0] } ?? []) + arguments
        case .unary(_, let operand): [operand]
        case .binary(_, let left, let right): [left, right]
        case .conditional(let condition, let then, let otherwise): [condition, then, otherwise]
        }
    }
}
