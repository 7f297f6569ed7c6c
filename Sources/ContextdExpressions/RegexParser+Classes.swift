/// Escapes and bracket classes.
extension RegexParser {
    /// What a backslash outside brackets stands for; `start` is the backslash.
    mutating func parseEscape(at start: Int) throws(RegexError) -> RegexNode {
        guard let scalar = current else { throw RegexError("the pattern ends with a lone '\\'", at: start) }
        switch scalar {
        case "b": position += 1; return .assertion(.wordBoundary)
        case "B": position += 1; return .assertion(.notWordBoundary)
        case "A": position += 1; return .assertion(.startOfText)
        case "z": position += 1; return .assertion(.endOfText)
        default: break
        }
        switch try parseClassEscape(at: start, inBrackets: false) {
        case .scalar(let literal): return self.literal(literal)
        case .set(let set): return .set(set)
        }
    }

    enum ClassEscape {
        case scalar(Unicode.Scalar)
        case set(ScalarSet)
    }

    /// An escape that stands for one scalar or a set (`\n`, `\x41`, `\.`, `\d`); `start` is
    /// the backslash, the current position the scalar after it.
    mutating func parseClassEscape(at start: Int, inBrackets: Bool) throws(RegexError) -> ClassEscape {
        guard let scalar = current else { throw RegexError("the pattern ends with a lone '\\'", at: start) }
        position += 1
        switch scalar {
        case "d": return .set(.property(.digit, negated: false))
        case "D": return .set(.property(.digit, negated: true))
        case "w": return .set(.property(.word, negated: false))
        case "W": return .set(.property(.word, negated: true))
        case "s": return .set(.property(.space, negated: false))
        case "S": return .set(.property(.space, negated: true))
        case "n": return .scalar("\n")
        case "t": return .scalar("\t")
        case "r": return .scalar("\r")
        case "f": return .scalar("\u{0C}")
        case "v": return .scalar("\u{0B}")
        case "a": return .scalar("\u{07}")
        case "e": return .scalar("\u{1B}")
        case "0": return .scalar("\0")
        case "x", "u": return .scalar(try parseHexEscape(at: start))
        case "1"..."9", "k", "g":
            throw RegexError.unsupported("a backreference ('\\\(scalar)')", at: start)
        case "p", "P":
            throw RegexError("Unicode property classes ('\\\(scalar){…}') are not supported", at: start)
        case "Q", "E": throw RegexError("quoting with '\\Q…\\E' is not supported; escape each character", at: start)
        case "b", "B", "A", "z", "Z", "G":
            throw RegexError(
                inBrackets
                    ? "'\\\(scalar)' is not a character and cannot be in brackets"
                    : "'\\\(scalar)' is not supported (use \\A or ^ for the start, \\z or $ for the end)",
                at: start
            )
        default:
            guard !scalar.properties.isAlphabetic, !ScalarSet.has(.digit, scalar) else {
                throw RegexError("unknown escape '\\\(scalar)'", at: start)
            }
            return .scalar(scalar)  // `\.`, `\\`, `\[` …: the character itself
        }
    }

    /// `\xHH`, `\x{H…}`, `\uHHHH`, `\u{H…}`.
    private mutating func parseHexEscape(at start: Int) throws(RegexError) -> Unicode.Scalar {
        let kind = scalars[position - 1]
        var digits = ""
        if current == "{" {
            position += 1
            while let scalar = current, scalar != "}" {
                digits.unicodeScalars.append(scalar)
                position += 1
            }
            guard current == "}" else { throw RegexError("missing '}' in '\\\(kind){…}'", at: start) }
            position += 1
        } else {
            for _ in 0..<(kind == "x" ? 2 : 4) {
                guard let scalar = current else { break }
                digits.unicodeScalars.append(scalar)
                position += 1
            }
        }
        guard !digits.isEmpty, digits.count <= 8, let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value)
        else { throw RegexError("invalid hexadecimal escape '\\\(kind)\(digits)'", at: start) }
        return scalar
    }

    /// `[…]` after its `[` (at `start`): ranges, escapes, POSIX classes, `^` to negate.
    mutating func parseBracket(openedAt start: Int) throws(RegexError) -> ScalarSet {
        var set = ScalarSet()
        if current == "^" {
            set.isNegated = true
            position += 1
        }
        var first = true
        while let scalar = current, scalar != "]" || first {
            first = false
            if scalar == "[" {
                if peek() == ":" {
                    try parsePOSIXClass(into: &set)
                    continue
                }
                throw RegexError("nested brackets are not supported; escape a literal '[' as '\\['", at: position)
            }
            let itemStart = position
            guard case .scalar(let low) = try bracketItem(into: &set) else { continue }
            guard current == "-", let next = peek(), next != "]" else {
                set.ranges.append(low.value...low.value)
                continue
            }
            position += 1
            guard case .scalar(let high) = try bracketItem(into: &set) else {
                throw RegexError("a range in brackets must end with a character", at: itemStart)
            }
            guard low <= high else {
                throw RegexError("the range '\(low)-\(high)' is out of order", at: itemStart)
            }
            set.ranges.append(low.value...high.value)
        }
        guard current == "]" else { throw RegexError("missing ']' for the bracket opened here", at: start) }
        position += 1
        if flags.caseInsensitive { set.addCaseVariants() }
        return set
    }

    /// One scalar of a bracket, or (for `\d` and the like) nil after adding its set to `set`.
    private mutating func bracketItem(into set: inout ScalarSet) throws(RegexError) -> ClassEscape {
        let scalar = scalars[position]
        position += 1
        guard scalar == "\\" else { return .scalar(scalar) }
        switch try parseClassEscape(at: position - 1, inBrackets: true) {
        case .scalar(let literal): return .scalar(literal)
        case .set(let escaped):
            set.properties += escaped.properties
            return .set(escaped)
        }
    }

    /// `[:alpha:]` and the like inside brackets.
    private mutating func parsePOSIXClass(into set: inout ScalarSet) throws(RegexError) {
        let start = position
        var name = ""
        position += 2
        var negated = false
        if current == "^" {
            negated = true
            position += 1
        }
        while let scalar = current, scalar != ":" {
            name.unicodeScalars.append(scalar)
            position += 1
        }
        guard current == ":", peek() == "]", let ranges = ScalarSet.posixClasses[name] else {
            throw RegexError(
                "unknown POSIX class '[:\(name):]' (known: \(ScalarSet.posixClasses.keys.sorted().joined(separator: ", ")))",
                at: start
            )
        }
        position += 2
        guard negated else {
            set.ranges += ranges
            return
        }
        // The complement of sorted, disjoint ranges.
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { set.ranges.append(next...(range.lowerBound - 1)) }
            next = range.upperBound + 1
        }
        set.ranges.append(next...0x10FFFF)
    }
}
