public import ContextdEvents
import Glibc

extension Spool {
    /// Sends the whole of `cur/<name>` to `rejected/` with a sidecar `<name>.error.json`:
    /// `{"error": reason, "file": name, "rejected_at": "<RFC 3339, UTC>"}`.
    ///
    /// Nothing in `rejected/` is overwritten. The file takes the first of `<name>`, `<name>.1`,
    /// `<name>.2`, … for which none of `<n>`, `<n>.error.json` and `<n>.errors.jsonl` exists, and
    /// its sidecar (and its event rejects, if ``writeRejects(_:_:)`` left any) follow that name;
    /// `file` in the sidecar keeps the name the producer gave. The sidecar lands before the file,
    /// so a file in `rejected/` always has its reason next to it; a crash between the two leaves
    /// an extra sidecar and the redone file takes the next name.
    public func reject(_ name: String, reason: String) throws(SpoolError) {
        try checkFileName(name)
        let current = path(.cur, name)
        guard entryExists(current) else { throw .system("reject", path: current, code: ENOENT) }
        let sidecar = path(.tmp, stagingName(for: name, suffix: ".error.json"))
        try writeDurably(Array(Self.sidecar(name: name, reason: reason).utf8), to: sidecar)
        let target = freeRejectedName(for: name)
        try settleRejects(of: name, as: target)
        try publish(sidecar, as: target + ".error.json")
        switch try renameWithoutReplacing(current, to: path(.rejected, target)) {
        case .moved: break
        case .destinationTaken: throw .system("move to rejected/", path: current, code: EEXIST)
        case .sourceMissing: throw .system("move to rejected/", path: current, code: ENOENT)
        }
        try fsyncDirectory(path(.rejected))
        try fsyncDirectory(path(.cur))
    }

    /// Records the events of `cur/<name>` that could not be taken, one ``EventRejection/json``
    /// per line, to become `rejected/<name>.errors.jsonl` when the file is completed or rejected;
    /// and the events that came too late to be applied (`late`, each ``EventRejection/raw``
    /// holding the event's whole original text), to become `rejected/<name>.late.jsonl` — those
    /// texts verbatim, one per line, so that the file can be dropped into a spool again once
    /// someone decided to — beside `rejected/<name>.late.errors.jsonl`, which says why, line by
    /// line (`{"line": N, "error": "..."}`, N the line in the original file).
    ///
    /// They wait in `tmp/.contextd.<name>.<suffix>` until then, because only then is it
    /// known which name in `rejected/` is free: writing straight to `rejected/<name>.errors.jsonl`
    /// would overwrite the rejects of an earlier file of the same name. Calling this again (a
    /// redo after a crash) replaces what is waiting, so it is idempotent; with no rejections it
    /// removes what is waiting. Written to a temporary name, fsynced and renamed, so a crash
    /// never leaves half a list.
    public func writeRejects(_ name: String, _ rejections: [EventRejection], late: [EventRejection] = [])
        throws(SpoolError)
    {
        try checkFileName(name)
        try writeWaiting(name, suffix: Self.errorsSuffix, lines: rejections.map(\.json))
        try writeWaiting(name, suffix: Self.lateSuffix, lines: late.map { Self.oneLine($0.raw) })
        try writeWaiting(name, suffix: Self.lateErrorsSuffix, lines: late.map(\.reasonJSON))
    }

    /// Suffixes of what ``writeRejects(_:_:late:)`` leaves in `rejected/` beside a file.
    static let errorsSuffix = ".errors.jsonl"
    static let lateSuffix = ".late.jsonl"
    static let lateErrorsSuffix = ".late.errors.jsonl"
    static let rejectSuffixes = [errorsSuffix, lateSuffix, lateErrorsSuffix]

    /// A batch element's text on one line: its line breaks (whitespace between JSON tokens, never
    /// inside a string) become spaces. A JSON Lines line has none and stays byte for byte.
    static func oneLine(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return text }
        return String(decoding: text.utf8.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }, as: UTF8.self)
    }

    private func writeWaiting(_ name: String, suffix: String, lines: [String]) throws(SpoolError) {
        let waiting = path(.tmp, stagingName(for: name, suffix: suffix))
        if lines.isEmpty {
            if unlink(waiting) == 0 { try fsyncDirectory(path(.tmp)) }
            return
        }
        var bytes: [UInt8] = []
        for line in lines {
            bytes.append(contentsOf: line.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        let partial = path(.tmp, stagingName(for: name, suffix: suffix + ".partial"))
        try writeDurably(bytes, to: partial)
        guard rename(partial, waiting) == 0 else { throw .system("rename to '\(waiting)'", path: partial) }
        try fsyncDirectory(path(.tmp))
    }

    /// Moves what waits for `name` (rejects, late events; if any) to `rejected/<target><suffix>`;
    /// with no target, to the first free name. True when there was some.
    @discardableResult
    func settleRejects(of name: String, as target: String? = nil) throws(SpoolError) -> Bool {
        let waiting = Self.rejectSuffixes.map { ($0, path(.tmp, stagingName(for: name, suffix: $0))) }
            .filter { entryExists($0.1) }
        guard !waiting.isEmpty else { return false }
        let target = target ?? freeRejectedName(for: name)
        for (suffix, path) in waiting { try publish(path, as: target + suffix) }
        return true
    }

    /// The first of `name`, `name.1`, … that names nothing in `rejected/`, with either suffix.
    private func freeRejectedName(for name: String) -> String {
        collisionNames(name, reserving: Self.lateErrorsSuffix.utf8.count).first { candidate in
            ([candidate, candidate + ".error.json"] + Self.rejectSuffixes.map { candidate + $0 }).allSatisfy {
                !entryExists(path(.rejected, $0))
            }
        }!
    }

    /// Renames a finished file from `tmp/` to `rejected/<name>`, which must be free.
    private func publish(_ source: String, as name: String) throws(SpoolError) {
        switch try renameWithoutReplacing(source, to: path(.rejected, name)) {
        case .moved: try fsyncDirectory(path(.rejected))
        case .destinationTaken: throw .system("move to rejected/", path: source, code: EEXIST)
        case .sourceMissing: throw .system("move to rejected/", path: source, code: ENOENT)
        }
    }

    /// The sidecar's text: compact JSON, keys sorted, one line.
    static func sidecar(name: String, reason: String) -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let time = Timestamp(milliseconds: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000)
        let record: Value = .object(["file": .string(name), "error": .string(reason), "rejected_at": .timestamp(time)])
        return JSON.encode(record) + "\n"
    }
}
