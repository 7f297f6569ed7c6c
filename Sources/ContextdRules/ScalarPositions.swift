import Yams

/// Maps a UTF-8 offset inside a YAML scalar's value back to a line and column in the file.
///
/// Expressions are compiled from the scalar's *value*; their errors carry offsets into that
/// value. Single-line scalars map exactly (quotes accounted for); block and multi-line scalars
/// map line by line, assuming YAML's folding kept each source line's text.
struct ScalarPositions {
    let file: RuleFile
    let node: Node

    func position(ofOffset offset: Int) -> (line: Int, column: Int) {
        guard case .scalar(let scalar) = node, let mark = scalar.mark else { return (1, 1) }
        let value = scalar.string
        let prefix = String(decoding: value.utf8.prefix(offset), as: UTF8.self)
        let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
        let block = scalar.style == .literal || scalar.style == .folded
        if !block && !value.contains("\n") && !isMultiLinePlain(mark: mark) {
            return (mark.line, mark.column + (quoted ? 1 : 0) + prefix.unicodeScalars.count)
        }
        // Walk the source lines holding the value, consuming each line's text (plus one
        // separator) from the prefix until the offset falls within a line.
        var line = block ? mark.line + 1 : mark.line
        var remaining = prefix.unicodeScalars.count
        var first = !block
        while let source = file.sourceLine(line) {
            let startColumn = first ? mark.column + (quoted ? 1 : 0) : source.prefix { $0 == " " }.count + 1
            let text = source.unicodeScalars.count - (startColumn - 1)
            if source.trimmingSpaces.isEmpty && !first {
                remaining -= 1
                line += 1
                continue
            }
            if remaining <= text { return (line, startColumn + remaining) }
            remaining -= text + 1
            line += 1
            first = false
        }
        return (mark.line, mark.column)
    }

    private func isMultiLinePlain(mark: Mark) -> Bool {
        guard let source = file.sourceLine(mark.line) else { return false }
        let rest = source.unicodeScalars.dropFirst(mark.column - 1)
        if case .scalar(let scalar) = node { return String(rest).count < scalar.string.count }
        return false
    }
}

extension String {
    var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? endIndex
        return start < end ? self[start..<end] : ""
    }
}
