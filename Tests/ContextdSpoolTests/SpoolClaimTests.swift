import ContextdEvents
import ContextdSpool
import Foundation
import Glibc
import Testing

@Suite("Spool: layout and claiming")
struct SpoolClaimTests {
    @Test func createsTheFiveFoldersWhenMissing() throws {
        let fixture = try SpoolFixture()
        #expect(try Disk.names(in: fixture.spool.directory) == ["cur", "done", "new", "rejected", "tmp"])
        // Opening it again finds them and changes nothing.
        _ = try Spool(name: "events", directory: fixture.spool.directory + "/", onDone: .move)
        #expect(try Disk.names(in: fixture.spool.directory) == ["cur", "done", "new", "rejected", "tmp"])
    }

    @Test func refusesAFileWhereAFolderBelongs() throws {
        let directory = try TemporaryDirectory()
        try Disk.makeDirectory(directory.child("spool"))
        try Disk.write("", to: directory.child("spool/new"))
        #expect(throws: SpoolError.self) { try Spool(name: "x", directory: directory.child("spool"), onDone: .move) }
    }

    @Test func anEmptyDirectoryIsRefused() {
        #expect(throws: SpoolError.self) { try Spool(name: "x", directory: "", onDone: .move) }
    }

    @Test func waitingListsNewInByteOrderWithoutDotFiles() throws {
        let fixture = try SpoolFixture()
        for name in ["b.jsonl", "a.json", "B.ndjson", ".partial.jsonl", "a.jsonl", "é.jsonl"] {
            try fixture.drop(name)
        }
        #expect(try fixture.spool.waiting() == ["B.ndjson", "a.json", "a.jsonl", "b.jsonl", "é.jsonl"])
    }

    @Test func claimMovesTheFileToCurAndKnowsItsFormat() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("2026-11-22T10-40-00.jsonl", "{\"id\":1}\n")
        try fixture.drop("batch.JSON")
        try fixture.drop("x.ndjson")

        let lines = try fixture.claimed("2026-11-22T10-40-00.jsonl")
        #expect(lines.name == "2026-11-22T10-40-00.jsonl")
        #expect(lines.path == fixture.path("cur", "2026-11-22T10-40-00.jsonl"))
        #expect(lines.format == .jsonLines)
        #expect(try fixture.claimed("batch.JSON").format == .json)
        #expect(try fixture.claimed("x.ndjson").format == .jsonLines)
        #expect(try fixture.names("new") == [])
        #expect(try fixture.names("cur") == ["2026-11-22T10-40-00.jsonl", "batch.JSON", "x.ndjson"])
        #expect(try Disk.read(lines.path) == "{\"id\":1}\n")
    }

    @Test func aFileAlreadyGoneHasVanished() throws {
        let fixture = try SpoolFixture()
        guard case .vanished = try fixture.spool.claim("never-there.jsonl") else {
            Issue.record("expected .vanished")
            return
        }
    }

    @Test func claimingOverALeftoverIsRefused() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("a.jsonl", "first\n")
        _ = try fixture.claimed("a.jsonl")
        try fixture.drop("a.jsonl", "second\n")
        let error = try #require(throws: SpoolError.self) { try fixture.spool.claim("a.jsonl") }
        #expect(error.code == EEXIST)
        #expect(try Disk.read(fixture.path("cur", "a.jsonl")) == "first\n")
        #expect(try Disk.read(fixture.path("new", "a.jsonl")) == "second\n")
    }

    /// A file that could not be opened for want of descriptors goes back to new/, untouched;
    /// never over a file a producer has put there under the same name meanwhile.
    @Test func unclaimGivesTheFileBackToNewAndReplacesNothing() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("a.jsonl", "first\n")
        _ = try fixture.claimed("a.jsonl")
        #expect(fixture.spool.isClaimed("a.jsonl"))
        #expect(try fixture.spool.unclaim("a.jsonl"))
        #expect(!fixture.spool.isClaimed("a.jsonl"))
        #expect(try fixture.spool.waiting() == ["a.jsonl"])
        #expect(try Disk.read(fixture.path("new", "a.jsonl")) == "first\n")

        _ = try fixture.claimed("a.jsonl")
        try fixture.drop("a.jsonl", "second\n")
        #expect(try !fixture.spool.unclaim("a.jsonl"))
        #expect(try Disk.read(fixture.path("cur", "a.jsonl")) == "first\n")
        #expect(try Disk.read(fixture.path("new", "a.jsonl")) == "second\n")
    }

    @Test(arguments: ["", ".", "..", "../escape.jsonl", "sub/a.jsonl"])
    func namesThatReachOutsideAFolderAreRefused(name: String) throws {
        let fixture = try SpoolFixture()
        #expect(throws: SpoolError.self) { try fixture.spool.claim(name) }
        #expect(throws: SpoolError.self) { try fixture.spool.complete(name) }
        #expect(throws: SpoolError.self) { try fixture.spool.reject(name, reason: "x") }
    }

    @Test(
        arguments: [
            ("events.csv", "'events.csv' has extension '.csv'; contextd reads .json, .jsonl and .ndjson files"),
            ("README", "'README' has no extension; contextd reads .json, .jsonl and .ndjson files"),
            (
                "events.jsonl.gz",
                "'events.jsonl.gz' has extension '.gz'; contextd reads .json, .jsonl and .ndjson files"
            ),
        ]
    )
    func anUnknownExtensionIsRejectedWithItsReason(name: String, reason: String) throws {
        let fixture = try SpoolFixture()
        try fixture.drop(name, "a,b\n")
        guard case .rejected(let given) = try fixture.spool.claim(name) else {
            Issue.record("expected .rejected")
            return
        }
        #expect(given == reason)
        #expect(try fixture.names("rejected") == [name, name + ".error.json"].sorted())
        #expect(try Disk.read(fixture.path("rejected", name)) == "a,b\n")
        #expect(try fixture.names("cur") == [])
    }

    @Test func aSymlinkOutOfTheSpoolIsRejectedAsALinkAndNeverFollowed() throws {
        let fixture = try SpoolFixture()
        let outside = fixture.directory.child("secret.jsonl")
        try Disk.write("do not read\n", to: outside)
        let before = try FileManager.default.attributesOfItem(atPath: outside)
        #expect(symlink(outside, fixture.path("new", "link.jsonl")) == 0)

        guard case .rejected(let reason) = try fixture.spool.claim("link.jsonl") else {
            Issue.record("expected .rejected")
            return
        }
        #expect(reason.contains("'link.jsonl' is a symbolic link (to '\(outside)')"))
        #expect(reason.contains("follows no link out of a spool"))
        // Still a link in rejected/, pointing where it did; the target is where it was, unchanged.
        var status = stat()
        #expect(lstat(fixture.path("rejected", "link.jsonl"), &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFLNK)
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: fixture.path("rejected", "link.jsonl"))
        #expect(target == outside)
        #expect(try Disk.read(outside) == "do not read\n")
        let after = try FileManager.default.attributesOfItem(atPath: outside)
        #expect(after[.modificationDate] as? Date == before[.modificationDate] as? Date)
        #expect(try fixture.names("cur") == [])
    }

    @Test func aDirectoryInNewIsRejectedWithItsContents() throws {
        let fixture = try SpoolFixture()
        try Disk.makeDirectory(fixture.path("new", "batch.jsonl"))
        try Disk.write("{}\n", to: fixture.path("new", "batch.jsonl") + "/inner.jsonl")
        guard case .rejected(let reason) = try fixture.spool.claim("batch.jsonl") else {
            Issue.record("expected .rejected")
            return
        }
        #expect(reason.hasPrefix("'batch.jsonl' is a directory;"))
        #expect(try Disk.read(fixture.path("rejected", "batch.jsonl") + "/inner.jsonl") == "{}\n")
        #expect(Disk.exists(fixture.path("rejected", "batch.jsonl.error.json")))
    }

    @Test func aNamedPipeIsRejectedWithoutBeingOpened() throws {
        let fixture = try SpoolFixture()
        #expect(mkfifo(fixture.path("new", "pipe.jsonl"), 0o600) == 0)
        guard case .rejected(let reason) = try fixture.spool.claim("pipe.jsonl") else {
            Issue.record("expected .rejected")
            return
        }
        #expect(reason.hasPrefix("'pipe.jsonl' is a named pipe (FIFO);"))
    }

    @Test func leftoversAreTheFilesInCurAndCanBeReclaimed() throws {
        let fixture = try SpoolFixture()
        try fixture.drop("b.jsonl")
        try fixture.drop("a.json")
        try fixture.drop("c.txt")
        _ = try fixture.claimed("b.jsonl")
        _ = try fixture.claimed("a.json")
        // A crash here; on start:
        #expect(try fixture.spool.leftovers() == ["a.json", "b.jsonl"])
        guard case .claimed(let file) = try fixture.spool.reclaim("a.json") else {
            Issue.record("expected .claimed")
            return
        }
        #expect(file == ClaimedFile(name: "a.json", path: fixture.path("cur", "a.json"), format: .json))
        guard case .goneFromCur = try fixture.spool.reclaim("zzz.jsonl") else {
            Issue.record("expected .goneFromCur")
            return
        }
    }

    @Test func reclaimChecksALeftoverLikeAClaim() throws {
        let fixture = try SpoolFixture()
        // A file an operator put into cur/ by hand: still checked.
        try Disk.write("x", to: fixture.path("cur", "notes.txt"))
        guard case .rejected = try fixture.spool.reclaim("notes.txt") else {
            Issue.record("expected .rejected")
            return
        }
        #expect(try fixture.spool.leftovers() == [])
        #expect(try fixture.names("rejected") == ["notes.txt", "notes.txt.error.json"])
    }

    @Test func aNameThatIsNotUTF8IsRepairedInNewAndThenTakenNormally() throws {
        let fixture = try SpoolFixture()
        let raw: [UInt8] = Array(fixture.path("new", "").utf8) + [0x63, 0x61, 0x66, 0xE9] + Array(".jsonl".utf8)
        let descriptor = (raw + [0]).withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
        }
        #expect(descriptor >= 0)
        close(descriptor)
        #expect(try fixture.spool.waiting() == ["caf\u{FFFD}.jsonl"])
        #expect(try fixture.claimed("caf\u{FFFD}.jsonl").format == .jsonLines)
    }

    @Test func aClaimedFileIsReadInChunks() throws {
        let fixture = try SpoolFixture()
        let text = (0..<1000).map { "{\"n\":\($0)}\n" }.joined()
        try fixture.drop("big.jsonl", text)
        let file = try fixture.claimed("big.jsonl")
        var chunks: [Int] = []
        var bytes: [UInt8] = []
        try file.read(chunkSize: 4096) { chunk in
            chunks.append(chunk.count)
            bytes.append(contentsOf: chunk)
        }
        #expect(String(decoding: bytes, as: UTF8.self) == text)
        #expect(chunks.allSatisfy { $0 <= 4096 })
        #expect(chunks.count == (text.utf8.count + 4095) / 4096)
    }
}
