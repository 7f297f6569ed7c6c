import Glibc
import ContextdEvents

/// Text functions: `contains startsWith endsWith lower upper trim split join`.
extension Builtins {
    static let strings: [Builtin] = [
        Builtin("contains", arity: .exactly(2), check: checkContains, .binary(contains)),
        Builtin(
            "startsWith",
            [.string, .string],
            .bool,
            .binary { text, prefix throws(EvaluationError) in
                .bool(
                    try Argument.string(text, 0, of: "startsWith").hasPrefix(
                        try Argument.string(prefix, 1, of: "startsWith")
                    )
                )
            }
        ),
        Builtin(
            "endsWith",
            [.string, .string],
            .bool,
            .binary { text, suffix throws(EvaluationError) in
                .bool(
                    try Argument.string(text, 0, of: "endsWith").hasSuffix(
                        try Argument.string(suffix, 1, of: "endsWith")
                    )
                )
            }
        ),
        Builtin(
            "lower",
            [.string],
            .string,
            .unary { text throws(EvaluationError) in
                .string(try Argument.string(text, 0, of: "lower").lowercased())
            }
        ),
        Builtin(
            "upper",
            [.string],
            .string,
            .unary { text throws(EvaluationError) in
                .string(try Argument.string(text, 0, of: "upper").uppercased())
            }
        ),
        Builtin(
            "trim",
            [.string],
            .string,
            .unary { text throws(EvaluationError) in
                .string(trimmed(try Argument.string(text, 0, of: "trim")))
            }
        ),
        Builtin("split", [.string, .string], .list(.string), .binary(split)),
        Builtin(
            "join",
            arity: .range(1...2),
            check: { types throws(TypeProblem) in
                try Builtin.require(types, 0, .list, of: "join")
                if types.count > 1 { try Builtin.require(types, 1, .string, of: "join") }
                return .string
            },
            .variadic { values throws(EvaluationError) in
                let elements = try Argument.list(values[0], 0, of: "join")
                let separator = values.count > 1 ? try Argument.string(values[1], 1, of: "join") : ""
                return .string(elements.map(Rendering.text).joined(separator: separator))
            }
        ),
    ]

    /// `contains(text, part)`, and also `contains(list, element)`.
    private static let checkContains: Builtin.Check = { types throws(TypeProblem) in
        try Builtin.require(types, 0, [.string, .list], of: "contains")
        if types[0] == .string { try Builtin.require(types, 1, .string, of: "contains") }
        return .bool
    }

    @Sendable private static func contains(_ container: Value, _ part: Value) throws(EvaluationError) -> Value {
        switch container {
        case .string(let text): return .bool(asciiAwareContains(text, try Argument.string(part, 1, of: "contains")))
        case .list(let elements): return .bool(elements.contains(part))
        default: throw Argument.mismatch(container, 0, of: "contains", expected: [.string, .list])
        }
    }

    /// `text.contains(part)` with the same answer, but a byte search when both are ASCII (page
    /// paths, codes, ids: nearly always), where characters and bytes coincide. The general
    /// `String.contains` compares by canonical equivalence and costs several times more; it
    /// was 6% of `replay` on the stock mix.
    static func asciiAwareContains(_ text: String, _ part: String) -> Bool {
        var text = text
        var part = part
        let answer: Bool? = text.withUTF8 { haystack in
            part.withUTF8 { needle -> Bool? in
                guard Self.isASCII(haystack), Self.isASCII(needle) else { return nil }
                if needle.isEmpty { return true }
                guard needle.count <= haystack.count else { return false }
                let first = needle[0]
                var start = 0
                let last = haystack.count - needle.count
                while start <= last {
                    if haystack[start] == first, memcmp(haystack.baseAddress! + start, needle.baseAddress!, needle.count) == 0 {
                        return true
                    }
                    start += 1
                }
                return false
            }
        }
        return answer ?? text.contains(part)
    }

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var any: UInt8 = 0
        for byte in bytes { any |= byte }
        return any < 0x80
    }

    /// Splits at every separator, keeping empty pieces; an empty separator splits into characters.
    @Sendable private static func split(_ text: Value, _ separator: Value) throws(EvaluationError) -> Value {
        let text = try Argument.string(text, 0, of: "split")
        let separator = try Argument.string(separator, 1, of: "split")
        if separator.isEmpty { return .list(text.map { .string(String($0)) }) }
        return .list(text.split(separator: separator, omittingEmptySubsequences: false).map { .string(String($0)) })
    }

    static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }
}
