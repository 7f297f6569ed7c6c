import ContextdEvents
import ContextdSpool
import Glibc
import Testing

@Suite("Spool: completing files")
struct SpoolCompleteTests {
    @Test func completeMovesTheFileToDone() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("a.jsonl", "{}\n")
        _ = try fixture.claimed("a.jsonl")
        try fixture.spool.complete("a.jsonl")
        #expect(try fixture.names("cur") == [])
        #expect(try fixture.names("done") == ["a.jsonl"])
        #expect(try Disk.read(fixture.path("done", "a.jsonl")) == "{}\n")
        #expect(try fixture.names("rejected") == [])
    }

    /// The daemon moves files without syncing and leaves the fsyncs to the barrier of its next
    /// commit (decision 0010): the spool names the directories a completion changed.
    @Test func aCompletionWithoutSyncNamesTheDirectoriesToSync() throws {
        let moving = try SpoolFixture()
        try moving.drop("a.jsonl", "{}\n")
        _ = try moving.claimed("a.jsonl")
        try moving.spool.complete(["a.jsonl"], syncing: false)
        #expect(try moving.names("done") == ["a.jsonl"])
        #expect(moving.spool.completionDirectories == [moving.spool.directory + "/done", moving.spool.directory + "/cur"])

        let deleting = try SpoolFixture(onDone: .delete)
        try deleting.drop("a.jsonl", "{}\n")
        _ = try deleting.claimed("a.jsonl")
        try deleting.spool.complete(["a.jsonl"], syncing: false)
        #expect(try deleting.names("cur") == [] && deleting.names("done") == [])
        #expect(deleting.spool.completionDirectories == [deleting.spool.directory + "/cur"])
    }

    /// A group committed together leaves `cur/` together, each file whole in `done/` under
    /// its own name (a reused one under the next free name), with a waiting rejects file
    /// moved beside it.
    @Test func aGroupOfFilesIsCompletedTogether() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("a.jsonl", "{}\n")
        _ = try fixture.claimed("a.jsonl")
        try fixture.spool.complete("a.jsonl")
        for name in ["a.jsonl", "b.jsonl", "c.json"] {
            try fixture.drop(name, "[]")
            _ = try fixture.claimed(name)
        }
        try fixture.spool.writeRejects("b.jsonl", [EventRejection(line: 1, error: "bad", raw: "x")])
        try fixture.spool.complete(["a.jsonl", "b.jsonl", "c.json"])
        #expect(try fixture.names("cur") == [])
        #expect(try fixture.names("done") == ["a.jsonl", "a.jsonl.1", "b.jsonl", "c.json"])
        #expect(try Disk.read(fixture.path("done", "a.jsonl.1")) == "[]")
        #expect(try fixture.names("rejected") == ["b.jsonl.errors.jsonl"])
    }

    @Test func completeDeletesTheFileWhenConfiguredTo() throws {
        let fixture = try SpoolFixture(onDone: .delete)
        try fixture.drop("a.jsonl")
        _ = try fixture.claimed("a.jsonl")
        try fixture.spool.complete("a.jsonl")
        #expect(try fixture.names("cur") == [])
        #expect(try fixture.names("done") == [])
    }

    @Test func aReusedNameNeverOverwritesDone() throws {
        let fixture = try SpoolFixture()
        for round in 0..<3 {
            try fixture.drop("hourly.jsonl", "round \(round)\n")
            _ = try fixture.claimed("hourly.jsonl")
            try fixture.spool.complete("hourly.jsonl")
        }
        #expect(try fixture.names("done") == ["hourly.jsonl", "hourly.jsonl.1", "hourly.jsonl.2"])
        #expect(try Disk.read(fixture.path("done", "hourly.jsonl")) == "round 0\n")
        #expect(try Disk.read(fixture.path("done", "hourly.jsonl.1")) == "round 1\n")
        #expect(try Disk.read(fixture.path("done", "hourly.jsonl.2")) == "round 2\n")
    }

    @Test func completingAFileNotInCurThrows() throws {
        let fixture = try SpoolFixture()
        let error = try #require(throws: SpoolError.self) { try fixture.spool.complete("missing.jsonl") }
        #expect(error.code == ENOENT)
        #expect(error.path == fixture.path("cur", "missing.jsonl"))
        #expect(error.description.hasSuffix(": complete: No such file or directory"))
    }

    @Test func fsyncDirectoryNamesThePathItCouldNotFlush() throws {
        let directory = try TemporaryDirectory()
        try fsyncDirectory(directory.path)
        let error = try #require(throws: SpoolError.self) { try fsyncDirectory(directory.child("absent")) }
        #expect(error == SpoolError(
            path: directory.child("absent"), operation: "open directory", code: ENOENT,
            message: "No such file or directory"
        ))
    }
}
