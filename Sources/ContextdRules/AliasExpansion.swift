import CYaml

/// The cap on what YAML aliases may expand to in one file, checked before the file is composed.
///
/// A 556-byte file of nine nested anchors, each aliased nine times (a "billion laughs"),
/// stands for 387 million nodes. Yams composes it cheaply, sharing the aliased nodes, but
/// every reader that walks the tree — the rule reader turning a list into values, Yams itself
/// hashing an aliased mapping key to find duplicates — walks the expansion: 19 s and 3.5 GB,
/// then the daemon was killed. So the file's parser events are counted first, with the size of
/// each anchored node remembered, which takes time and memory in proportion to the text; past
/// the cap the file is refused at the alias that crossed it, before anything walks the tree.
///
/// The cap counts only what aliases add, so a long rule file written out in full is never
/// refused; 100,000 nodes is far more than anchors shared between rules need.
public enum AliasExpansion {
    /// The most nodes the aliases of one file may stand for, counted with their expansion.
    public static let limit = 100_000

    /// Where a file's aliases pass `limit`, and a message saying so.
    public struct Excess: Sendable, Hashable {
        /// 1-based, as Yams' marks are.
        public var line: Int
        public var column: Int
        /// The alias's length in UTF-8 bytes, `*` included: what a diagnostic underlines.
        public var length: Int
        public var message: String
    }

    /// The alias at which the file's aliases pass `limit` nodes in all, or nil when they do
    /// not. A text libyaml cannot parse gives nil: composing it reports the syntax error.
    public static func excess(in text: String) -> Excess? {
        var bytes = Array(text.utf8)
        // No anchor, no alias to expand: most rule files have none, and the scan is skipped.
        guard mayDefineAnchor(bytes) else { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var count = Count()
            return count.run(&parser)
        }
    }

    /// Whether `&` is followed by a character an anchor name may start with (`&&` in an
    /// expression is not an anchor).
    private static func mayDefineAnchor(_ bytes: [UInt8]) -> Bool {
        var index = bytes.startIndex
        while let ampersand = bytes[index...].firstIndex(of: UInt8(ascii: "&")) {
            let next = ampersand + 1
            guard next < bytes.endIndex else { return false }
            let byte = bytes[next]
            if byte != UInt8(ascii: "&") && byte > UInt8(ascii: " ") { return true }
            index = next
        }
        return false
    }

    /// The expanded size of every open node and every anchored node, from the parser's events.
    private struct Count {
        /// Nodes added by aliases so far.
        var added = 0
        /// The expanded size of the latest node defined with each anchor (anchors may be
        /// defined again; an alias means the latest).
        var sizes: [String: Int] = [:]
        /// The open sequences and mappings, innermost last: their anchor and size so far.
        var open: [(anchor: String?, size: Int)] = []

        mutating func run(_ parser: inout yaml_parser_t) -> Excess? {
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    close(anchor: name(event.data.scalar.anchor), size: 1)
                case YAML_SEQUENCE_START_EVENT:
                    open.append((name(event.data.sequence_start.anchor), 1))
                case YAML_MAPPING_START_EVENT:
                    open.append((name(event.data.mapping_start.anchor), 1))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let node = open.popLast() else { return nil }
                    close(anchor: node.anchor, size: node.size)
                case YAML_ALIAS_EVENT:
                    let alias = name(event.data.alias.anchor) ?? ""
                    let size = sizes[alias] ?? 1
                    added += size
                    if added > AliasExpansion.limit {
                        return excess(alias: alias, size: size, at: event.start_mark)
                    }
                    close(anchor: nil, size: size)
                default:
                    continue
                }
            }
            return nil
        }

        /// A node of `size` nodes is complete: it counts towards the node that holds it.
        private mutating func close(anchor: String?, size: Int) {
            if let anchor { sizes[anchor] = size }
            if !open.isEmpty { open[open.count - 1].size += size }
        }

        private func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }

        private func excess(alias: String, size: Int, at mark: yaml_mark_t) -> Excess {
            let message = "alias '*\(alias)' expands to \(size.formatted) nodes, taking this file's aliases past "
                + "\(AliasExpansion.limit.formatted) nodes in all (the cap that keeps a YAML alias bomb from "
                + "exhausting memory); write the repeated part out, or nest fewer aliases"
            return Excess(line: Int(mark.line) + 1, column: Int(mark.column) + 1, length: alias.utf8.count + 1,
                message: message)
        }
    }
}

extension Int {
    /// `100000` as `100,000`, for counts in messages.
    fileprivate var formatted: String {
        let digits = Array(String(self))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }
}
