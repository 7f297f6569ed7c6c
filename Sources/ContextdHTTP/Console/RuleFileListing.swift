import ContextdRules

/// One rule file as the Rules page shows it: its lines (read bounded), the lines of each rule
/// in it, and the last reload's errors in it by line.
struct RuleFileListing {
    var path: String
    /// Nil when the file could not be read (missing, not a regular file).
    var file: BoundedFile?
    var rules: [(id: String, lines: ClosedRange<Int>)]
    var errors: [StatusReport.Located]

    static let maxFiles = 500
    static let maxLines = 5_000

    /// The rule files under `source`'s paths (at most ``maxFiles``), then any file the errors
    /// name that is not among them (a path that is missing, say), each with its errors.
    static func all(_ source: RuleFilesSource, errors: [StatusReport.Located]) -> (listings: [RuleFileListing], more: Bool) {
        var paths = source.paths.flatMap { path in (try? RuleSource.files(under: [path])) ?? [] }
        let more = paths.count > maxFiles
        paths = Array(paths.prefix(maxFiles))
        for error in errors where !paths.contains(error.file) { paths.append(error.file) }
        var seen = Set<String>()
        let listings = paths.filter { seen.insert($0).inserted }.map { path in
            let file = BoundedFile.read(path, maxLines: maxLines, followingLinks: true)
            return RuleFileListing(path: path, file: file,
                rules: file.map { RuleLines.spans(in: $0.lines.joined(separator: "\n")) } ?? [],
                errors: errors.filter { $0.file == path })
        }
        return (listings, more)
    }

    /// The anchor of line `line` of the `index`th listing on the page.
    static func anchor(file index: Int, line: Int) -> String { "f\(index)-L\(line)" }
}
