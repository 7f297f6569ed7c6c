/// A ``RegexNode`` compiled to a Thompson automaton: instructions that consume one scalar,
/// branch, jump or test a position, run by ``CompiledRegex`` as a set of states advanced
/// together over the text — never backtracking, so a search takes time proportional to the
/// text times the program, whatever the pattern.
struct RegexProgram: Sendable {
    enum Instruction: Sendable {
        case scalar(Unicode.Scalar)
        case set(ScalarSet)
        /// Continue at both.
        case split(Int, Int)
        case jump(Int)
        case assertion(RegexAssertion)
        case match
    }

    /// The most instructions a pattern may compile to: counted repetitions are expanded
    /// (`\d{4}` is four instructions), and the per-scalar cost of a search grows with it.
    static let maximumSize = 2000

    private(set) var instructions: [Instruction] = []
    /// Whether matches can start only at the beginning of the text.
    let isAnchoredAtStart: Bool

    init(_ node: RegexNode) throws(RegexError) {
        isAnchoredAtStart = node.isAnchoredAtStart
        try emit(node)
        try append(.match)
    }

    private mutating func append(_ instruction: Instruction) throws(RegexError) {
        guard instructions.count < Self.maximumSize else {
            throw RegexError(
                "the pattern is too large: more than \(Self.maximumSize) steps once its counted repetitions "
                    + "({n,m}) are expanded; use smaller counts or a shorter pattern",
                at: 0
            )
        }
        instructions.append(instruction)
    }

    private mutating func emit(_ node: RegexNode) throws(RegexError) {
        switch node {
        case .empty: break
        case .scalar(let scalar): try append(.scalar(scalar))
        case .set(let set): try append(.set(set))
        case .assertion(let assertion): try append(.assertion(assertion))
        case .concatenation(let parts):
            for part in parts { try emit(part) }
        case .alternation(let choices):
            var jumps: [Int] = []
            for (index, choice) in choices.enumerated() {
                if index < choices.count - 1 {
                    let split = instructions.count
                    try append(.split(split + 1, -1))
                    try emit(choice)
                    jumps.append(instructions.count)
                    try append(.jump(-1))
                    instructions[split] = .split(split + 1, instructions.count)
                } else {
                    try emit(choice)
                }
            }
            for jump in jumps { instructions[jump] = .jump(instructions.count) }
        case .repetition(let body, let min, let max):
            try emitRepetition(body, min: min, max: max)
        }
    }

    /// `body{min,max}`: `min` copies, then a loop (`max` nil) or `max - min` optional copies.
    private mutating func emitRepetition(_ body: RegexNode, min: Int, max: Int?) throws(RegexError) {
        for _ in 0..<min { try emit(body) }
        guard let max else {
            // L: split(body, out); body; jump L
            let loop = instructions.count
            try append(.split(loop + 1, -1))
            try emit(body)
            try append(.jump(loop))
            instructions[loop] = .split(loop + 1, instructions.count)
            return
        }
        var exits: [Int] = []
        for _ in min..<max {
            exits.append(instructions.count)
            try append(.split(instructions.count + 1, -1))
            try emit(body)
        }
        for exit in exits { instructions[exit] = .split(exit + 1, instructions.count) }
    }
}
