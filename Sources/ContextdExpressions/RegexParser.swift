/// Parses the pattern of `matches` into a ``RegexNode``: the RE2 syntax (literals, escapes,
/// `.`, bracket classes, `\d \w \s` and their negations, `^ $ \A \z \b \B`, groups, `|`,
/// `* + ? {n} {n,} {n,m}` greedy or lazy, flags `(?i) (?m) (?s)`).
///
/// What no linear-time engine can run — backreferences, lookaround, atomic groups,
/// possessive quantifiers — is refused with the place and the reason (decision: `matches`
/// must never wedge the pipeline, SPEC §8).
struct RegexParser {
    /// The largest count of a `{n,m}` repetition (counted repetitions are expanded).
    static let maximumCount = 1000

    struct Flags {
        var caseInsensitive = false
        var multiline = false
        var dotMatchesNewline = false
    }

    let scalars: [Unicode.Scalar]
    var position = 0
    var flags = Flags()

    init(_ pattern: String) {
        scalars = Array(pattern.unicodeScalars)
    }

    mutating func parse() throws(RegexError) -> RegexNode {
        let node = try parseAlternation()
        if position < scalars.count {
            // Only an unbalanced ')' stops an alternation before the end.
            throw RegexError("unmatched ')'", at: position)
        }
        return node
    }

    var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    func peek(_ offset: Int = 1) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    private mutating func parseAlternation() throws(RegexError) -> RegexNode {
        var choices = [try parseConcatenation()]
        while current == "|" {
            position += 1
            choices.append(try parseConcatenation())
        }
        return choices.count == 1 ? choices[0] : .alternation(choices)
    }

    private mutating func parseConcatenation() throws(RegexError) -> RegexNode {
        var parts: [RegexNode] = []
        while let scalar = current, scalar != "|", scalar != ")" {
            guard let atom = try parseAtom() else { continue }
            parts.append(try parseQuantifiers(atom))
        }
        return parts.count == 1 ? parts[0] : parts.isEmpty ? .empty : .concatenation(parts)
    }

    /// One atom; nil for a flag group such as `(?i)`, which matches nothing.
    private mutating func parseAtom() throws(RegexError) -> RegexNode? {
        let start = position
        let scalar = scalars[position]
        position += 1
        switch scalar {
        case "(": return try parseGroup(openedAt: start)
        case "[": return .set(try parseBracket(openedAt: start))
        case ".": return .set(.dot(matchingNewline: flags.dotMatchesNewline))
        case "^": return .assertion(flags.multiline ? .startOfLine : .startOfText)
        case "$": return .assertion(flags.multiline ? .endOfLine : .endOfText)
        case "\\": return try parseEscape(at: start)
        case "*", "+", "?": throw RegexError("'\(scalar)' has nothing to repeat", at: start)
        case "{" where countedRepetition(at: start) != nil: throw RegexError("'{' has nothing to repeat", at: start)
        default: return literal(scalar)
        }
    }

    func literal(_ scalar: Unicode.Scalar) -> RegexNode {
        guard flags.caseInsensitive, !ScalarSet.caseVariants(of: scalar).isEmpty else { return .scalar(scalar) }
        var set = ScalarSet(ranges: [scalar.value...scalar.value])
        set.addCaseVariants()
        return .set(set)
    }

    private mutating func parseQuantifiers(_ atom: RegexNode) throws(RegexError) -> RegexNode {
        guard let scalar = current else { return atom }
        let start = position
        let bounds: (min: Int, max: Int?)
        switch scalar {
        case "*": bounds = (0, nil)
        case "+": bounds = (1, nil)
        case "?": bounds = (0, 1)
        case "{":
            guard let counted = countedRepetition(at: position) else { return atom }
            bounds = (counted.min, counted.max)
            position = counted.end - 1
        default: return atom
        }
        if case .assertion = atom, scalars[start - 1] != ")" {
            throw RegexError("an anchor or '\\b' cannot be repeated", at: start)
        }
        position += 1
        if current == "?" {
            position += 1  // lazy: the same for a search that only asks whether there is a match
        } else if current == "+" {
            throw RegexError.unsupported("a possessive quantifier ('\(scalar)+')", at: start)
        }
        if let next = current, next == "*" || next == "+" || next == "?" || (next == "{" && countedRepetition(at: position) != nil) {
            throw RegexError("a quantifier cannot follow another; put the first in a group: (…)\(next)", at: position)
        }
        if let max = bounds.max, max < bounds.min {
            throw RegexError("the repetition {\(bounds.min),\(max)} has its bounds the wrong way round", at: start)
        }
        if bounds.min > Self.maximumCount || (bounds.max ?? 0) > Self.maximumCount {
            throw RegexError("a repetition count above \(Self.maximumCount) is not supported", at: start)
        }
        return .repetition(atom, min: bounds.min, max: bounds.max)
    }

    /// `{n}`, `{n,}`, `{n,m}` or `{,m}` whose `{` is at `brace` (`end` is just past `}`); nil
    /// when the brace is not one, and so a literal `{`.
    private func countedRepetition(at brace: Int) -> (min: Int, max: Int?, end: Int)? {
        var index = brace + 1
        func number() -> Int? {
            var value: Int?
            while index < scalars.count, let digit = Int(String(scalars[index])), scalars[index].isASCII {
                value = min((value ?? 0) * 10 + digit, 1_000_000)
                index += 1
            }
            return value
        }
        let lower = number()
        guard index < scalars.count else { return nil }
        if scalars[index] == "}" {
            guard let lower else { return nil }
            return (lower, lower, index + 1)
        }
        guard scalars[index] == "," else { return nil }
        index += 1
        let upper = number()
        guard index < scalars.count, scalars[index] == "}", lower != nil || upper != nil else { return nil }
        return (lower ?? 0, upper, index + 1)
    }

    /// A group; nil for `(?i)`, whose flags last to the end of the enclosing group.
    private mutating func parseGroup(openedAt start: Int) throws(RegexError) -> RegexNode? {
        let outerFlags = flags
        if current == "?" {
            position += 1
            switch current {
            case ":": position += 1
            case "=", "!": throw RegexError.unsupported("lookahead ('(?\(current!)')", at: start)
            case ">": throw RegexError.unsupported("an atomic group ('(?>')", at: start)
            case "<" where peek() == "=" || peek() == "!":
                throw RegexError.unsupported("lookbehind ('(?<\(peek()!)')", at: start)
            case "<", "P", "'":
                try skipGroupName(at: start)
            default:
                if try parseFlags(at: start) { return nil }
            }
        }
        let contents = try parseAlternation()
        flags = outerFlags
        guard current == ")" else { throw RegexError("missing ')' for the group opened here", at: start) }
        position += 1
        return contents
    }

    /// `(?<name>`, `(?P<name>`, `(?'name'`: a named group is a group like any other.
    private mutating func skipGroupName(at start: Int) throws(RegexError) {
        if current == "P" {
            position += 1
            guard current == "<" else {
                throw RegexError.unsupported("a named backreference or recursion ('(?P')", at: start)
            }
        }
        let close: Unicode.Scalar = current == "'" ? "'" : ">"
        position += 1
        while let scalar = current, scalar != close {
            guard scalar == "_" || ScalarSet.isWord(scalar) else {
                throw RegexError("a group name may hold only letters, digits and '_'", at: position)
            }
            position += 1
        }
        guard current == close else { throw RegexError("unterminated group name", at: start) }
        position += 1
    }

    /// `(?flags)` (true: it applies to the rest of the group) or `(?flags:` (false: a group follows).
    private mutating func parseFlags(at start: Int) throws(RegexError) -> Bool {
        var enabling = true
        var changed = flags
        while let scalar = current {
            position += 1
            switch scalar {
            case "i": changed.caseInsensitive = enabling
            case "m": changed.multiline = enabling
            case "s": changed.dotMatchesNewline = enabling
            case "-": enabling = false
            case ")":
                flags = changed
                return true
            case ":":
                flags = changed
                return false
            default:
                throw RegexError(
                    "'(?\(scalar)' is not supported; the flags are i (ignore case), m (multi-line) and s (dot "
                        + "matches newline), and backreferences, lookaround and recursion are not supported",
                    at: start
                )
            }
        }
        throw RegexError("missing ')' for the group opened here", at: start)
    }
}
