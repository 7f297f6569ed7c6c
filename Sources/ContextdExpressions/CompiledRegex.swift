/// A regular expression compiled once at load time, for `matches`.
///
/// `Regex` is not `Sendable` (its output type need not be), but one built from a pattern string
/// is immutable after construction and its lazily lowered program is initialized atomically; it
/// is exercised once here so that even that happens at load time.
final class CompiledRegex: @unchecked Sendable {
    private let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) throws {
        regex = try Regex(pattern)
        _ = "".firstMatch(of: regex)
    }

    /// Whether the pattern occurs anywhere in `text` (anchor it with `^…$` for a full match).
    func matches(_ text: String) -> Bool { text.firstMatch(of: regex) != nil }
}
