@testable import ContextdDaemon
import ContextdEngine
import ContextdEvents
import ContextdSpool
import ContextdStore
import Foundation
import Logging
import Testing

/// The loop's recovery, on its own over a real SQLite store, a real outbox and a real spool:
/// what a previous process left is found, finished or handed back to be redone, and said.
@Suite struct RecoveryTests {
    static let time = LoopPartsDirectory.time

    @Test func stagedTasksArePublishedOrMarkedWrittenAndStrayFilesDropped() throws {
        let directory = try LoopPartsDirectory()
        let outbox = try FileOutbox(directory: directory.path("outbox"))
        let renamed = LoopPartsDirectory.task("t-renamed"), notRenamed = LoopPartsDirectory.task("t-not-renamed")
        // A process staged two tasks and stopped: one file was renamed into new/, one not.
        let staged = try outbox.stage([.created(renamed), .created(notRenamed)], at: Self.time, httpAssignees: [])
        var batch = Commit(changes: StateChanges(clock: Self.time), tasks: [.created(renamed), .created(notRenamed)])
        batch.outbox = OutboxDelivery(staged: Set(staged), written: [], time: Self.time)
        try directory.store.commit(batch)
        try FileManager.default.moveItem(atPath: directory.path("outbox/tmp/t-renamed.json"),
            toPath: directory.path("outbox/new/t-renamed.json"))
        // And a file of a group whose commit never happened: no task owns it.
        try "{}\n".write(toFile: directory.path("outbox/tmp/t-uncommitted.json"), atomically: false, encoding: .utf8)

        let log = RecordedLog()
        let recovery = Recovery(outbox: outbox, store: directory.store, logger: log.logger)
        #expect(try recovery.finishOutbox(at: Self.time + .seconds(5)) == 2)
        #expect(try directory.names(in: "outbox/new") == ["t-not-renamed.json", "t-renamed.json"])
        #expect(try directory.names(in: "outbox/tmp") == [])
        #expect(try directory.store.tasks(in: .written).map(\.record.id).sorted() == ["t-not-renamed", "t-renamed"])
        #expect(try directory.store.tasks(in: .staged).isEmpty)
        #expect(log.all.map(\.message) == ["outbox recovered"])
        #expect(log.all.first?.metadata["tasks"] == "2")

        // A second start finds nothing to do, and says nothing.
        #expect(try recovery.finishOutbox(at: Self.time + .seconds(6)) == 0)
        #expect(log.all.count == 1)
    }

    @Test func filesInCurAreRedoneFromTheirProgressAndTheProgressOfGoneFilesForgotten() throws {
        let directory = try LoopPartsDirectory()
        let spool = try Spool(name: "events", directory: directory.path("spool"), onDone: .move)
        for name in ["b.jsonl", "a.jsonl"] {
            try "{}\n".write(toFile: directory.path("spool/cur/" + name), atomically: false, encoding: .utf8)
        }
        let halfway = FileProgress(spool: "events", file: "a.jsonl", items: 3, finished: false)
        try directory.store.commit(Commit(changes: StateChanges(clock: Self.time), progress: [
            halfway,
            FileProgress(spool: "events", file: "gone.jsonl", items: 5, finished: false),
            FileProgress(spool: "events", file: "done.jsonl", items: 7, finished: true),
            FileProgress(spool: "other", file: "c.jsonl", items: 1, finished: false),
        ]))

        let log = RecordedLog()
        let recovery = Recovery(outbox: try FileOutbox(directory: directory.path("outbox")), store: directory.store,
            logger: log.logger)
        let found = try recovery.leftovers(of: spool, input: "events")
        #expect(found.redo == [
            Recovery.Leftover(name: "a.jsonl", progress: halfway), Recovery.Leftover(name: "b.jsonl", progress: nil),
        ])
        #expect(found.forgotten == ["done.jsonl", "gone.jsonl"])
        // Only the file that left cur/ unfinished lost something, and that is said.
        #expect(log.all.count == 1)
        let warning = try #require(log.all.first)
        #expect(warning.level == .warning)
        #expect(warning.message == "file gone from cur/ before it was finished; the rest of it was never applied")
        #expect(warning.metadata == ["spool": "events", "file": "gone.jsonl", "items_applied": "5"])
        // Recovery only looks: the files stay in cur/ for the loop to redo.
        #expect(try directory.names(in: "spool/cur") == ["a.jsonl", "b.jsonl"])
    }
}
