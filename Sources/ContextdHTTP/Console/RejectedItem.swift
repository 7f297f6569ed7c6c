import ContextdEvents
import Glibc

/// One file's traces in a spool's `rejected/`: the file itself with its reason
/// (`<name>.error.json`) when the whole file was refused, or the reasons of its refused lines
/// (`<name>.errors.jsonl`) and of its late events (`<name>.late.errors.jsonl`, their lines in
/// `<name>.late.jsonl`) when the rest of it was taken.
struct RejectedItem: Sendable {
    var name: String
    /// The newest modification time among its files (seconds since 1970), for newest-first order.
    var modified: Int
    var hasFile = false
    var hasReason = false
    var hasErrors = false
    var hasLate = false
    var hasLateErrors = false

    /// A line's reason as its rejects file gives it.
    struct LineReason: Sendable {
        var line: Int?
        var error: String
    }

    /// Reasons shown per file; the rest is counted as "more".
    static let maxReasons = 20
    /// Raw lines shown per file (admin only).
    static let maxRawLines = 200

    /// The items of one `rejected/` directory, newest first.
    static func list(in directory: String) -> [RejectedItem] {
        var items: [String: RejectedItem] = [:]
        for (name, modified) in entries(of: directory) {
            let (base, part) = split(name)
            items[base, default: RejectedItem(name: base, modified: modified)].add(part, modified: modified)
        }
        return items.values.sorted { ($0.modified, $1.name) > ($1.modified, $0.name) }
    }

    /// The item `name` of one `rejected/` directory, as ``list(in:)`` would give it, found by
    /// looking at its own few files rather than listing the whole directory; nil when it has none.
    static func named(_ name: String, in directory: String) -> RejectedItem? {
        // What a listing never yields: hidden names (skipped) and names no directory entry has.
        guard !name.isEmpty, !name.hasPrefix("."), !name.contains("/"), !name.contains("\0") else { return nil }
        var item: RejectedItem?
        for candidate in [name] + suffixes.map({ name + $0.suffix }) {
            // A candidate counts only when it splits back to this item (as "x.late" + ".errors.jsonl"
            // does not: that is "x"'s late errors).
            let (base, part) = split(candidate)
            guard base == name, let modified = modified(directory + "/" + candidate) else { continue }
            item = item ?? RejectedItem(name: name, modified: modified)
            item?.add(part, modified: modified)
        }
        return item
    }

    private mutating func add(_ part: Part, modified: Int) {
        self.modified = max(self.modified, modified)
        switch part {
        case .file: hasFile = true
        case .reason: hasReason = true
        case .errors: hasErrors = true
        case .late: hasLate = true
        case .lateErrors: hasLateErrors = true
        }
    }

    private enum Part { case file, reason, errors, late, lateErrors }

    private static let suffixes: [(suffix: String, part: Part)] = [
        (".late.errors.jsonl", .lateErrors), (".late.jsonl", .late), (".errors.jsonl", .errors), (".error.json", .reason),
    ]

    private static func split(_ name: String) -> (String, Part) {
        for (suffix, part) in suffixes where name.hasSuffix(suffix) && name.count > suffix.count {
            return (String(name.dropLast(suffix.count)), part)
        }
        return (name, .file)
    }

    /// The names in a directory with their modification times, without following links;
    /// empty when it cannot be read.
    private static func entries(of directory: String) -> [(name: String, modified: Int)] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var found: [(String, Int)] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix("."), let modified = modified(directory + "/" + name) else { continue }
            found.append((name, modified))
        }
        return found
    }

    /// A directory entry's modification time (seconds), the entry itself and not a link's
    /// target; nil when there is no such entry.
    private static func modified(_ path: String) -> Int? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return Int(status.st_mtim.tv_sec)
    }

    /// Why the whole file was refused (`error` of its sidecar).
    func reason(in directory: String) -> String? {
        guard hasReason, let file = BoundedFile.read(directory + "/" + name + ".error.json", maxLines: 1),
            let line = file.lines.first, case .object(let object)? = try? JSON.parse(line),
            case .string(let error)? = object["error"]
        else { return nil }
        return error
    }

    /// The reasons of refused lines (`late`: of late events), never their raw text.
    func lineReasons(late: Bool, in directory: String) -> (reasons: [LineReason], more: Bool) {
        guard late ? hasLateErrors : hasErrors,
            let file = BoundedFile.read(directory + "/" + name + (late ? ".late.errors.jsonl" : ".errors.jsonl"),
                maxLines: Self.maxReasons)
        else { return ([], false) }
        let reasons = file.lines.map { text -> LineReason in
            guard case .object(let object)? = try? JSON.parse(text) else { return LineReason(line: nil, error: text) }
            var line: Int?
            if case .number(let number)? = object["line"] { line = Int(exactly: number) }
            if case .string(let error)? = object["error"] { return LineReason(line: line, error: error) }
            return LineReason(line: line, error: "(no reason given)")
        }
        return (reasons, file.truncated)
    }

    /// The raw text of refused lines (`raw` of each line of `<name>.errors.jsonl`): may hold
    /// card data, admin only.
    func rawRejectedLines(in directory: String) -> BoundedFile? {
        guard hasErrors, var file = BoundedFile.read(directory + "/" + name + ".errors.jsonl", maxLines: Self.maxRawLines)
        else { return nil }
        file.lines = file.lines.map { text in
            guard case .object(let object)? = try? JSON.parse(text) else { return text }
            let line: String = if case .number(let number)? = object["line"] { "\(Int(number)): " } else { "" }
            if case .string(let raw)? = object["raw"] { return line + raw }
            return line + "(no raw text kept)"
        }
        return file
    }
}
