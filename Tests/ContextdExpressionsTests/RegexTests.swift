import ContextdEvents
@testable import ContextdExpressions
import ContextdTestKit
import Testing

/// `matches` runs on contextd's own automaton (``CompiledRegex``): the same answers as Swift's
/// `Regex` on the syntax it supports, in time proportional to the text whatever the pattern,
/// and a located compile error for what only a backtracking engine could run.
@Suite struct RegexTests {
    /// Patterns an operator writes, against texts that match and texts that do not.
    static let table: [(pattern: String, text: String)] = [
        ("^ORD-[0-9]+$", "ORD-1234"), ("^ORD-[0-9]+$", "ORD-12a"), ("ORD-\\d{4}", "order ORD-1234 placed"),
        ("^/pricing(/|$)", "/pricing"), ("^/pricing(/|$)", "/pricing/team"), ("^/pricing(/|$)", "/pricingx"),
        ("colou?r", "the color"), ("colou?r", "the colour"), ("colou?r", "the colr"),
        ("^\\w+@\\w+\\.com$", "ann@bank.com"), ("^\\w+@\\w+\\.com$", "ann@bank.org"),
        ("\\bcat\\b", "a cat sat"), ("\\bcat\\b", "concatenate"), ("\\Bcat", "concatenate"),
        ("^[^,]*,[^,]*$", "a,b"), ("^[^,]*,[^,]*$", "a,b,c"), ("[A-Fa-f0-9]{2,4}", "xx 0aF yy"),
        ("^a{2,3}$", "a"), ("^a{2,3}$", "aa"), ("^a{2,3}$", "aaa"), ("^a{2,3}$", "aaaa"), ("^a{2,}$", "aaaaa"),
        ("^(?:ab)+$", "ababab"), ("^(?:ab)+$", "ababa"), ("^(ab|cd)*?e$", "abcde"), ("^(ab|cd)*?e$", "abce"),
        ("(?i)^paris$", "PaRiS"), ("(?i:lon)don", "LONdon"), ("(?i:lon)don", "LONDON"), ("^.$", "é"),
        ("^\\s+$", " \t "), ("^\\S+$", "a b"), ("^\\D+$", "abc"), ("^\\D+$", "ab1"), ("^\\W$", "-"),
        ("^[[:alpha:]]+$", "abc"), ("^[[:digit:]]+$", "12a"), ("^[\\d.]+$", "3.14"), ("a.c", "a\nc"),
        ("(?s)a.c", "a\nc"), ("(?m)^b$", "a\nb\nc"), ("^b$", "a\nb\nc"), ("x*", ""), ("^$", ""), ("^$", "a"),
        ("\\x41\\u0042", "AB"), ("[\\-+]?\\d+", "-5"), ("a|b|", "zzz"), ("^(a|ab)(c|bcd)(d*)$", "abcd"),
        ("^(?<year>\\d{4})-(?P<month>\\d\\d)$", "2026-12"), ("\\$\\d+\\.\\d{2}", "pay $12.50 now"),
        ("^[a-c]+$", "abcabc"), ("^[a-c]+$", "abcd"), ("^[a-]+$", "a-a"),
        ("(?i)[a-c]+x", "ABCX"), ("^café$", "café"), ("ü", "Grüße"), ("^a*?$", "aaa"), ("^(a+)+$", "aaaa"),
    ]

    @Test(arguments: table) func answersAsSwiftRegexDoes(_ pattern: String, _ text: String) throws {
        let expected = text.firstMatch(of: try Regex(pattern)) != nil
        #expect(try CompiledRegex(pattern).matches(text) == expected, "'\(pattern)' on '\(text)'")
    }

    /// Random small patterns over a small alphabet against random short texts: the automaton
    /// and Swift's backtracking `Regex` agree on every pair. A failure prints its seed.
    @Test(arguments: 0..<40) func randomPatternsAgreeWithSwiftRegex(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        for _ in 0..<25 {
            let pattern = RandomPattern.make(&random, depth: 3)
            let regex = try Regex(pattern)
            let compiled = try CompiledRegex(pattern)
            for _ in 0..<12 {
                let text = String((0..<random.next(below: 9)).map { _ in "abc -".randomElement(using: &random)! })
                let expected = text.firstMatch(of: regex) != nil
                #expect(compiled.matches(text) == expected, "seed \(seed): '\(pattern)' on '\(text)'")
            }
        }
    }

    /// The pattern of issue 17: Swift's `Regex` never returns on it (2^26 ways to split the
    /// `a`s). These tests would hang on the old engine; they assert no time, only the answers.
    @Test func nestedRepetitionRunsInLinearTime() throws {
        let regex = try CompiledRegex("^(a+)+$")
        #expect(!regex.matches(String(repeating: "a", count: 26) + "b"))
        #expect(regex.matches(String(repeating: "a", count: 100_000)))
        #expect(!regex.matches(String(repeating: "a", count: 100_000) + "b"))
        let unanchored = try CompiledRegex("(x+x+)+y")
        #expect(!unanchored.matches(String(repeating: "x", count: 20_000)))
        let counted = try CompiledRegex("(a|aa){1,300}c")
        #expect(!counted.matches(String(repeating: "a", count: 5_000)))
    }

    /// RE2 syntax that Swift's `Regex` spells otherwise.
    @Test func aClosingBracketFirstInBracketsIsALiteral() throws {
        #expect(try CompiledRegex("^[]a]+$").matches("]a]"))
        #expect(try !CompiledRegex("^[^]]+$").matches("a]"))
    }

    @Test func theHostileLineIsFalseThroughMatches() throws {
        let harness = Harness()
        let text = String(repeating: "a", count: 26) + "b"
        #expect(harness.value("matches('\(text)', '^(a+)+$')") == .bool(false))
    }

    /// What no linear-time engine runs is a compile error saying what and why, at the pattern.
    static let refused: [(pattern: String, says: String)] = [
        ("(a)\\1", "a backreference ('\\1') is not supported: 'matches' runs in time proportional to the text"),
        ("(?<n>a)\\k<n>", "a backreference ('\\k') is not supported"),
        ("foo(?=bar)", "lookahead ('(?=') is not supported"),
        ("foo(?!bar)", "lookahead ('(?!') is not supported"),
        ("(?<=\\$)\\d+", "lookbehind ('(?<=') is not supported"),
        ("(?<!x)y", "lookbehind ('(?<!') is not supported"),
        ("(?>a+)b", "an atomic group ('(?>') is not supported"),
        ("a*+b", "a possessive quantifier ('*+') is not supported"),
        ("a{1001}", "a repetition count above 1000 is not supported"),
        ("(a{1000}){3}", "the pattern is too large: more than 2000 steps"),
        ("\\p{L}+", "Unicode property classes ('\\p{…}') are not supported"),
        ("a**", "a quantifier cannot follow another"),
        ("{2}a", "'{' has nothing to repeat (at character 1 of the pattern)"),
        ("(ab", "missing ')' for the group opened here (at character 1 of the pattern)"),
        ("ab)", "unmatched ')' (at character 3 of the pattern)"),
        ("[z-a]", "the range 'z-a' is out of order"),
        ("\\q", "unknown escape '\\q'"),
    ]

    @Test(arguments: refused) func unsupportedConstructsAreCompileErrors(_ pattern: String, _ says: String) {
        let harness = Harness()
        let literal = "'" + pattern + "'"
        let source = "matches(event.id, \(literal))"
        let diagnostics = harness.diagnostics(source)
        #expect(diagnostics.count == 1)
        let message = diagnostics.first?.message ?? ""
        #expect(message.hasPrefix("invalid regular expression '\(pattern)': "), "\(message)")
        #expect(message.contains(says), "\(message)")
        #expect(diagnostics.first?.range == range(of: literal, in: source))
    }
}


/// Random patterns of the supported syntax over `a b c`.
enum RandomPattern {
    static func make(_ random: inout SplitMix, depth: Int) -> String {
        let parts = 1 + random.next(below: 3)
        var pattern = ""
        for _ in 0..<parts { pattern += piece(&random, depth: depth) }
        if random.next(below: 4) == 0 { pattern += "|" + make(&random, depth: depth - 1) }
        return pattern
    }

    private static func piece(_ random: inout SplitMix, depth: Int) -> String {
        // No `\b`: Swift's follows the Unicode word-break rules (a boundary between ' ' and
        // '-'), the automaton RE2's `\w` rule; the table tests it on words.
        let atoms = ["a", "b", "c", ".", "[ab]", "[^a]", "\\w", "\\s", "^", "$", "[a-b]", " "]
        var atom: String
        if depth > 0, random.next(below: 4) == 0 {
            atom = (random.next(below: 2) == 0 ? "(" : "(?:") + make(&random, depth: depth - 1) + ")"
        } else {
            atom = atoms[random.next(below: atoms.count)]
        }
        if ["^", "$"].contains(atom) { return atom }
        let quantifiers = ["", "", "", "*", "+", "?", "{2}", "{1,2}", "{0,}", "*?", "+?"]
        return atom + quantifiers[random.next(below: quantifiers.count)]
    }
}
