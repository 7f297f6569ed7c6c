/// A parsed regular expression for `matches`, before it is compiled to a ``RegexProgram``.
///
/// Only what a boolean search needs: there are no capture groups (a group is just its
/// contents) and greedy and lazy repetitions are the same node, since which of the matches a
/// search would pick makes no difference to whether there is one.
indirect enum RegexNode: Sendable {
    case empty
    case scalar(Unicode.Scalar)
    case set(ScalarSet)
    case assertion(RegexAssertion)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    /// `max` nil is unbounded (`*`, `+`, `{n,}`).
    case repetition(RegexNode, min: Int, max: Int?)

    /// Whether every match must start at the beginning of the text (`^…` without `(?m)`,
    /// `\A…`): the search then tries only that position.
    var isAnchoredAtStart: Bool {
        switch self {
        case .assertion(.startOfText): true
        case .concatenation(let parts): parts.first?.isAnchoredAtStart ?? false
        case .alternation(let choices): !choices.isEmpty && choices.allSatisfy(\.isAnchoredAtStart)
        default: false
        }
    }
}

/// A condition on the position between two scalars, consuming nothing.
enum RegexAssertion: Sendable {
    /// `^`, `\A`.
    case startOfText
    /// `$`, `\z`.
    case endOfText
    /// `^` under `(?m)`: the start or just after a newline.
    case startOfLine
    /// `$` under `(?m)`: the end or just before a newline.
    case endOfLine
    /// `\b`.
    case wordBoundary
    /// `\B`.
    case notWordBoundary

    /// Whether the assertion holds between `previous` and `next` (nil: the start or the end).
    func holds(after previous: Unicode.Scalar?, before next: Unicode.Scalar?) -> Bool {
        switch self {
        case .startOfText: previous == nil
        case .endOfText: next == nil
        case .startOfLine: previous == nil || previous == "\n"
        case .endOfLine: next == nil || next == "\n"
        case .wordBoundary: ScalarSet.isWord(previous) != ScalarSet.isWord(next)
        case .notWordBoundary: ScalarSet.isWord(previous) == ScalarSet.isWord(next)
        }
    }
}
