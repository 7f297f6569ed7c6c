import ContextdSpool
import Foundation
import Glibc
import Testing

@Suite("Directory watcher")
struct DirectoryWatcherTests {
    enum Change: String, CaseIterable {
        case renameIn, writeInPlace, delete, touch
    }

    @Test(arguments: Change.allCases)
    func aChangeInAWatchedDirectoryIsYielded(change: Change) async throws {
        let directory = try TemporaryDirectory()
        let watched = directory.child("new")
        try Disk.makeDirectory(watched)
        try Disk.makeDirectory(directory.child("tmp"))
        try Disk.write("{}\n", to: directory.child("tmp/a.jsonl"))
        if change == .delete || change == .touch { try Disk.write("", to: watched + "/old.jsonl") }
        let watcher = try DirectoryWatcher(directories: [watched], recursive: false)
        defer { watcher.stop() }
        let recorder = ChangeRecorder(watcher)

        switch change {
        case .renameIn: try Disk.rename(directory.child("tmp/a.jsonl"), watched + "/a.jsonl")
        case .writeInPlace: try Disk.write("{}\n", to: watched + "/rules.yaml")
        case .delete: #expect(unlink(watched + "/old.jsonl") == 0)
        case .touch: #expect(utimes(watched + "/old.jsonl", nil) == 0)
        }
        #expect(await recorder.wait { $0.changes.contains(watched) })
        #expect(Set(recorder.changes) == [watched])
    }

    @Test func everyWatchedDirectoryIsReportedByItsOwnPath() async throws {
        let directory = try TemporaryDirectory()
        let first = directory.child("one/new")
        let second = directory.child("two/new")
        try Disk.makeDirectory(first)
        try Disk.makeDirectory(second)
        let watcher = try DirectoryWatcher(directories: [first, second], recursive: false)
        defer { watcher.stop() }
        let recorder = ChangeRecorder(watcher)
        try Disk.write("", to: second + "/b.jsonl")
        #expect(await recorder.wait { $0.changes.contains(second) })
        try Disk.write("", to: first + "/a.jsonl")
        #expect(await recorder.wait { $0.changes.contains(first) })
    }

    @Test func aRecursiveWatchFollowsDirectoriesCreatedLater() async throws {
        let directory = try TemporaryDirectory()
        let rules = directory.child("rules")
        try Disk.makeDirectory(rules + "/existing")
        let watcher = try DirectoryWatcher(directories: [rules], recursive: true)
        defer { watcher.stop() }
        let recorder = ChangeRecorder(watcher)

        try Disk.write("", to: rules + "/existing/a.yaml")
        #expect(await recorder.wait { $0.changes.contains(rules + "/existing") })

        // A new subdirectory: once it is reported, its watch is in place.
        try Disk.makeDirectory(rules + "/fraud/cards")
        #expect(await recorder.wait { $0.changes.contains(rules + "/fraud/cards") })
        recorder.clear()
        try Disk.write("", to: rules + "/fraud/cards/.limits.yaml.swp")
        try Disk.rename(rules + "/fraud/cards/.limits.yaml.swp", rules + "/fraud/cards/limits.yaml")
        #expect(await recorder.wait { $0.changes.contains(rules + "/fraud/cards") })
    }

    @Test func aSubdirectoryMovedAwayIsForgotten() async throws {
        let directory = try TemporaryDirectory()
        let rules = directory.child("rules")
        try Disk.makeDirectory(rules + "/old")
        let watcher = try DirectoryWatcher(directories: [rules], recursive: true)
        defer { watcher.stop() }
        let recorder = ChangeRecorder(watcher)
        try Disk.rename(rules + "/old", rules + "/renamed")
        #expect(await recorder.wait { $0.changes.contains(rules + "/renamed") })
        recorder.clear()
        try Disk.write("", to: rules + "/renamed/a.yaml")
        #expect(await recorder.wait { $0.changes.contains(rules + "/renamed") })
        #expect(!recorder.changes.contains(rules + "/old"))
    }

    @Test func stopEndsTheStream() async throws {
        let directory = try TemporaryDirectory()
        let watcher = try DirectoryWatcher(directories: [directory.path], recursive: false)
        let recorder = ChangeRecorder(watcher)
        watcher.stop()
        watcher.stop()
        #expect(await recorder.wait { $0.ended })
    }

    @Test func aMissingDirectoryIsAnError() throws {
        let directory = try TemporaryDirectory()
        let error = try #require(throws: SpoolError.self) {
            try DirectoryWatcher(directories: [directory.child("absent")], recursive: false)
        }
        #expect(error.code == ENOENT)
        #expect(error.operation == "inotify_add_watch")
    }
}
