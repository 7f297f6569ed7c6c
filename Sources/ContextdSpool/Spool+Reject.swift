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
    /// per line, to become `rejected/<name>.errors.jsonl` when the file is completed or rejected.
    ///
    /// They wait in `tmp/.contextd.<name>.errors.jsonl` until then, because only then is it
    /// known which name in `rejected/` is free: writing straight to `rejected/<name>.errors.jsonl`
    /// would overwrite the rejects of an earlier file of the same name. Calling this again (a
    /// redo after a crash) replaces what is waiting, so it is idempotent; with no rejections it
    /// removes what is waiting. Written to a temporary name, fsynced and renamed, so a crash
    /// never leaves half a list.
    public func writeRejects(_ name: String, _ rejections: [EventRejection]) throws(SpoolError) {
        try checkFileName(name)
        let waiting = waitingRejectsPath(name)
        if rejections.isEmpty {
            if unlink(waiting) == 0 { try fsyncDirectory(path(.tmp)) }
            return
        }
        var bytes: [UInt8] = []
        for rejection in rejections {
            bytes.append(contentsOf: rejection.json.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        let partial = path(.tmp, stagingName(for: name, suffix: ".errors.jsonl.partial"))
        try writeDurably(bytes, to: partial)
        guard rename(partial, waiting) == 0 else { throw .system("rename to '\(waiting)'", path: partial) }
        try fsyncDirectory(path(.tmp))
    }

    /// Moves the rejects waiting for `name` (if any) to `rejected/<target>.errors.jsonl`; with no
    /// target, to the first free name. True when there were some.
    @discardableResult
    func settleRejects(of name: String, as target: String? = nil) throws(SpoolError) -> Bool {
        let waiting = waitingRejectsPath(name)
        guard entryExists(waiting) else { return false }
        try publish(waiting, as: (target ?? freeRejectedName(for: name)) + ".errors.jsonl")
        return true
    }

    private func waitingRejectsPath(_ name: String) -> String {
        path(.tmp, stagingName(for: name, suffix: ".errors.jsonl"))
    }

    /// The first of `name`, `name.1`, … that names nothing in `rejected/`, with either suffix.
    private func freeRejectedName(for name: String) -> String {
        collisionNames(name, reserving: ".errors.jsonl".utf8.count).first { candidate in
            [candidate, candidate + ".error.json", candidate + ".errors.jsonl"].allSatisfy {
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
