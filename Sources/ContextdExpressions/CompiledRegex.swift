/// A regular expression compiled once at load time, for `matches`.
///
/// Run as a Thompson automaton: every state the pattern can be in is advanced together, one
/// Unicode scalar of the text at a time, so a search costs at most the text's length times the
/// program's size — `^(a+)+$` on 10,000 `a`s and a `b` is as quick as any pattern. (Swift's
/// `Regex`, used before, backtracks: that one line wedged the daemon.) What only a
/// backtracking engine can run is refused when the pattern is compiled (``RegexParser``).
public final class CompiledRegex: Sendable {
    let program: RegexProgram

    public init(_ pattern: String) throws(RegexError) {
        var parser = RegexParser(pattern)
        program = try RegexProgram(try parser.parse())
    }

    /// Whether the pattern occurs anywhere in `text` (anchor it with `^…$` for a full match).
    public func matches(_ text: String) -> Bool {
        let count = program.instructions.count
        // Two lists of states (now and next), a mark per state, and the stack of the closure.
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * count) { buffer in
            buffer.initialize(repeating: -1)
            let base = buffer.baseAddress!
            var search = Search(
                instructions: program.instructions, current: base, next: base + count, marks: base + 2 * count,
                stack: base + 3 * count
            )
            return search.run(text, anchored: program.isAnchoredAtStart)
        }
    }
}

/// One search: the lists of states live in memory the caller lends for its duration.
private struct Search {
    let instructions: [RegexProgram.Instruction]
    var current: UnsafeMutablePointer<Int32>
    var next: UnsafeMutablePointer<Int32>
    let marks: UnsafeMutablePointer<Int32>
    let stack: UnsafeMutablePointer<Int32>
    var currentCount = 0
    var nextCount = 0
    /// Marks a state added to `next` at this step, so that each is added once.
    var generation: Int32 = 0

    mutating func run(_ text: String, anchored: Bool) -> Bool {
        var scalars = text.unicodeScalars.makeIterator()
        var previous: Unicode.Scalar?
        var upcoming = scalars.next()
        if add(0, after: nil, before: upcoming) { return true }
        swap(&current, &next)
        (currentCount, nextCount) = (nextCount, 0)
        while let scalar = upcoming {
            if anchored && currentCount == 0 { return false }
            previous = scalar
            upcoming = scalars.next()
            generation &+= 1
            for index in 0..<currentCount {
                let state = Int(current[index])
                let consumed: Bool
                switch instructions[state] {
                case .scalar(let expected): consumed = scalar == expected
                case .set(let set): consumed = set.contains(scalar)
                default: consumed = false
                }
                if consumed, add(state + 1, after: previous, before: upcoming) { return true }
            }
            if !anchored, add(0, after: previous, before: upcoming) { return true }
            swap(&current, &next)
            (currentCount, nextCount) = (nextCount, 0)
        }
        return false
    }

    /// Adds `state` and every state reachable from it without consuming a scalar to `next`;
    /// true when one of them is the match.
    private mutating func add(_ state: Int, after previous: Unicode.Scalar?, before upcoming: Unicode.Scalar?) -> Bool {
        guard marks[state] != generation else { return false }
        marks[state] = generation
        var depth = 1
        stack[0] = Int32(state)
        while depth > 0 {
            depth -= 1
            let state = Int(stack[depth])
            func push(_ target: Int) {
                guard marks[target] != generation else { return }
                marks[target] = generation
                stack[depth] = Int32(target)
                depth += 1
            }
            switch instructions[state] {
            case .match: return true
            case .jump(let target): push(target)
            case .split(let first, let second):
                push(second)
                push(first)
            case .assertion(let assertion):
                if assertion.holds(after: previous, before: upcoming) { push(state + 1) }
            case .scalar, .set:
                next[nextCount] = Int32(state)
                nextCount += 1
            }
        }
        return false
    }
}
