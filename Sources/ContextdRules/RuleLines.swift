import Yams

/// Where each rule of a rule file is written, as lines (from 1): what the console's rules
/// page quotes under a rule. Read from the same YAML tree the loader reads, so a rule written
/// in any style (block, flow, keys in any order) is found; a file that does not parse has none.
public enum RuleLines {
    /// Each rule's id and its lines: from its item of `rules:` to the line before the next
    /// item (or the next top-level key, or the end), without trailing blank and comment lines.
    public static func spans(in text: String) -> [(id: String, lines: ClosedRange<Int>)] {
        // The alias bomb the loader refuses is refused here too: no expansion, no spans.
        guard AliasExpansion.excess(in: text) == nil,
            let root = try? Yams.compose(yaml: text, .basic), let mapping = root.mapping
        else { return [] }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let keys = Array(mapping)
        guard let index = keys.firstIndex(where: { $0.key.string == "rules" }),
            let items = keys[index].value.sequence.map(Array.init)
        else { return [] }
        let sectionEnd = index + 1 < keys.count ? (keys[index + 1].key.mark?.line ?? lines.count + 1) - 1 : lines.count
        var spans: [(id: String, lines: ClosedRange<Int>)] = []
        for (position, item) in items.enumerated() {
            guard let id = item.mapping?["id"]?.string, let start = item.mark?.line else { continue }
            var end = position + 1 < items.count ? (items[position + 1].mark?.line ?? sectionEnd + 1) - 1 : sectionEnd
            while end > start, end <= lines.count, isBlankOrComment(lines[end - 1]) { end -= 1 }
            spans.append((id, start...max(start, min(end, lines.count))))
        }
        return spans
    }

    private static func isBlankOrComment(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        return trimmed.isEmpty || trimmed.hasPrefix("#")
    }
}
