import ContextdEvents
import ContextdExpressions
import Yams

/// Typed values of a mapping's keys. Each returns nil when the key is absent or its value is
/// wrong; a wrong value is reported where it stands, with what was expected.
extension ConfigurationMapping {
    /// Reports that the value of `key` is not what was expected.
    func mismatch(_ node: Node, key: String, expected: String) {
        var message = "expected \(expected) for \(label(key)), found \(node.found)"
        if node.isNull { message += " (remove the key to use the default)" }
        document.report(at: node, message)
    }

    /// The text of a single value (a string, number or boolean as written).
    func text(_ key: String, expected: String) -> (text: String, node: Node)? {
        guard let value = self[key] else { return nil }
        guard let text = value.scalarText else {
            mismatch(value, key: key, expected: expected)
            return nil
        }
        return (text, value)
    }

    /// A path, resolved against `base` when relative.
    func path(_ key: String, base: AbsolutePath) -> (path: AbsolutePath, node: Node)? {
        guard let value = self[key] else { return nil }
        return path(value, key: key, base: base, expected: "a path")
    }

    /// One path or a list of paths, each resolved against `base`.
    func paths(_ key: String, base: AbsolutePath) -> [AbsolutePath]? {
        guard let value = self[key] else { return nil }
        let expected = "a path or a list of paths"
        switch value {
        case .sequence(let sequence):
            guard !sequence.isEmpty else {
                document.report(at: value, "\(label(key)) is an empty list; give at least one path")
                return nil
            }
            let paths = sequence.map { path($0, key: key, base: base, expected: expected)?.path }
            return paths.contains(nil) ? nil : paths.compactMap { $0 }
        default:
            return path(value, key: key, base: base, expected: expected).map { [$0.path] }
        }
    }

    private func path(_ value: Node, key: String, base: AbsolutePath, expected: String)
        -> (path: AbsolutePath, node: Node)?
    {
        guard let text = value.scalarText, !text.isEmpty else {
            mismatch(value, key: key, expected: expected)
            return nil
        }
        if text.hasPrefix("~") {
            document.report(at: value, "'~' is not expanded in \(label(key)); write the full path")
            return nil
        }
        return (AbsolutePath(text, relativeTo: base), value)
    }

    func bool(_ key: String) -> Bool? {
        let expected = "true or false"
        guard let (text, node) = text(key, expected: expected) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            mismatch(node, key: key, expected: expected)
            return nil
        }
    }

    /// A duration such as `500ms`, `5s` or `7d`; zero only when `allowZero`.
    func duration(_ key: String, allowZero: Bool = false) -> TimeSpan? {
        guard let (span, text, node) = anyDuration(key) else { return nil }
        guard span.milliseconds > 0 || (allowZero && span.milliseconds == 0) else {
            document.report(at: node, "\(label(key)) must be \(allowZero ? "zero or more" : "more than zero"), found '\(text)'")
            return nil
        }
        return span
    }

    /// A duration of at least `minimum`, such as a lease that must outlast a round trip.
    func duration(_ key: String, atLeast minimum: TimeSpan) -> TimeSpan? {
        guard let (span, text, node) = anyDuration(key) else { return nil }
        guard span >= minimum else {
            document.report(at: node, "\(label(key)) must be at least \(minimum), found '\(text)'")
            return nil
        }
        return span
    }

    /// Any duration, negative and zero included; the callers set the bounds.
    private func anyDuration(_ key: String) -> (span: TimeSpan, text: String, node: Node)? {
        let expected = "a duration such as 500ms, 5s, 10m or 7d"
        guard let (text, node) = text(key, expected: expected) else { return nil }
        guard let span = TimeSpan(parsing: text) else {
            var message = "expected \(expected) for \(label(key)), found '\(text)'"
            if Double(text) != nil { message += " (a number needs a unit: ms, s, m, h, d or w)" }
            document.report(at: node, message)
            return nil
        }
        return (span, text, node)
    }

    /// A size in bytes, more than zero: `1048576`, `512KiB`, `1MiB`.
    func size(_ key: String) -> Int? {
        guard let (text, node) = text(key, expected: "a size such as 1048576, 512KiB or 1MiB") else { return nil }
        switch ByteSize.parse(text) {
        case .failure(let problem):
            document.report(at: node, "invalid size for \(label(key)): \(problem.reason)")
            return nil
        case .success(let bytes) where bytes <= 0:
            document.report(at: node, "\(label(key)) must be more than zero bytes, found '\(text)'")
            return nil
        case .success(let bytes):
            return bytes
        }
    }

    /// A whole number of at least `minimum`; `because` says why in the message for a smaller one.
    func count(_ key: String, minimum: Int, because reason: String? = nil) -> Int? {
        let expected = "a whole number"
        guard let (text, node) = text(key, expected: expected) else { return nil }
        let digits = text.allSatisfy { $0.isASCIIDigit || $0 == "_" || $0 == "-" } ? text.filter { $0 != "_" } : text
        guard let number = Int(digits) else {
            mismatch(node, key: key, expected: expected)
            return nil
        }
        guard number >= minimum else {
            document.report(at: node, "\(label(key)) must be at least \(minimum), found \(number)"
                + (reason.map { ": \($0)" } ?? ""))
            return nil
        }
        return number
    }

    /// One of a fixed set of words; a misspelt one gets a suggestion and the full list.
    func choice(_ key: String, among allowed: [String]) -> String? {
        let listed = allowed.joined(separator: ", ")
        guard let (text, node) = text(key, expected: "one of: \(listed)") else { return nil }
        guard allowed.contains(text) else {
            var message = "invalid value '\(text)' for \(label(key))"
            if let suggestion = Suggestions.closest(to: text, among: Set(allowed)) {
                message += " — did you mean '\(suggestion)'?"
            }
            document.report(at: node, message + " (expected one of: \(listed))")
            return nil
        }
        return text
    }

    func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, of type: Choice.Type = Choice.self) -> Choice?
    where Choice.RawValue == String {
        choice(key, among: Choice.allCases.map(\.rawValue)).flatMap(Choice.init(rawValue:))
    }

    /// A `host:port` address to listen on.
    func listenAddress(_ key: String) -> ListenAddress? {
        guard let (text, node) = text(key, expected: "an address host:port such as 127.0.0.1:8470") else {
            return nil
        }
        switch ListenAddress.parse(text) {
        case .success(let address): return address
        case .failure(let problem):
            document.report(at: node, "invalid address '\(text)' for \(label(key)): \(problem.reason)")
            return nil
        }
    }

    /// A list of strings, such as assignee prefixes; `[]` only when `allowEmpty`.
    ///
    /// Each entry must be a string as YAML reads it: `5` or `yes` are refused rather than turned
    /// into text, and an unquoted `sales:` (which YAML reads as a mapping) gets a hint to quote it.
    func strings(_ key: String, allowEmpty: Bool, example: String) -> [String]? {
        guard let value = self[key] else { return nil }
        guard case .sequence(let items) = value else {
            mismatch(value, key: key, expected: "a list such as \(example)")
            return nil
        }
        guard allowEmpty || !items.isEmpty else {
            document.report(at: value, "\(label(key)) is an empty list; give at least one entry, such as \(example)")
            return nil
        }
        let strings = items.enumerated().map { string($1, number: $0 + 1, key: key) }
        return strings.contains(nil) ? nil : strings.compactMap { $0 }
    }

    /// One entry of a list of strings, or nil (reported).
    private func string(_ item: Node, number: Int, key: String) -> String? {
        if let text = item.scalarText, item.tag.description == Tag.Name.str.rawValue { return text }
        var message = "expected a string for entry \(number) of \(label(key)), found \(item.found)"
        if case .mapping = item {
            message += " (quote an entry that contains ': ' or ends in ':', such as \"sales:\")"
        } else if let text = item.scalarText {
            message += " (quote it: \"\(text)\")"
        }
        document.report(at: item, message)
        return nil
    }

    /// True when an unknown key of this mapping was reported as a misspelling of `key`, so that
    /// a check for `key` being absent need not report the same mistake again.
    func wasSuggested(_ key: String) -> Bool { suggested.contains(key) }
}
