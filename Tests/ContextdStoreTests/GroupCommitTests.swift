import ContextdEngine
import ContextdEvents
import ContextdStore
import Foundation
import Testing

/// The daemon commits a group of files in one transaction: each file keeps its own progress
/// and rejects, and a file name forgotten in the same commit that a reused name writes again
/// keeps the new row.
@Suite struct GroupCommitTests {
    static func temporaryStore() throws -> (SQLiteStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("group-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (try SQLiteStore(path: directory.appendingPathComponent("contextd.sqlite").path), directory)
    }

    @Test func oneCommitRecordsEveryFileOfTheGroup() throws {
        let (store, directory) = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = EventRejection(line: 2, error: "not JSON", raw: "{")
        try store.commit(Commit(
            changes: StateChanges(clock: nil),
            progress: [
                FileProgress(spool: "cards", file: "a.jsonl", items: 3, finished: true),
                FileProgress(spool: "cards", file: "b.jsonl", items: 5, finished: true),
                FileProgress(spool: "crm", file: "c.jsonl", items: 10_000, finished: false),
            ],
            rejects: [FileReject(spool: "cards", file: "b.jsonl", rejection: bad)]))
        #expect(try store.progress(spool: "cards") == [
            "a.jsonl": FileProgress(spool: "cards", file: "a.jsonl", items: 3, finished: true),
            "b.jsonl": FileProgress(spool: "cards", file: "b.jsonl", items: 5, finished: true),
        ])
        #expect(try store.progress(spool: "crm").values.map(\.items) == [10_000])
        #expect(try store.rejects(spool: "cards", file: "a.jsonl").isEmpty)
        #expect(try store.rejects(spool: "cards", file: "b.jsonl").map(\.line) == [2])
    }

    @Test func aNameForgottenAndWrittenInOneCommitKeepsTheNewRow() throws {
        let (store, directory) = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = EventRejection(line: 1, error: "old", raw: "x")
        try store.commit(Commit(changes: StateChanges(clock: nil),
            progress: [FileProgress(spool: "cards", file: "a.jsonl", items: 4, finished: true)],
            rejects: [FileReject(spool: "cards", file: "a.jsonl", rejection: old)]))
        // The first a.jsonl left cur/; a producer dropped a second one, read in the next group.
        let new = EventRejection(line: 7, error: "new", raw: "y")
        try store.commit(Commit(changes: StateChanges(clock: nil),
            progress: [FileProgress(spool: "cards", file: "a.jsonl", items: 9, finished: false)],
            rejects: [FileReject(spool: "cards", file: "a.jsonl", rejection: new)],
            finishedFiles: [(spool: "cards", file: "a.jsonl")]))
        #expect(try store.progress(spool: "cards")["a.jsonl"]?.items == 9)
        #expect(try store.rejects(spool: "cards", file: "a.jsonl").map(\.error) == ["new"])
    }
}
