import ContextdEngine
import ContextdStore
import ContextdTestKit
import Foundation
import Glibc
import Testing

/// SPEC §1, "Bad input: a clear error, and nothing lost": with the real daemon running, a
/// producer drops garbage, half-broken files, empty files, files of unknown formats, a symlink
/// and a directory. Every one must end where the spec says (`done/` with an `.errors.jsonl`, or
/// `rejected/` with an `.error.json` sidecar), with its reason, and nothing may stay in `new/`
/// or `cur/`; the good events of a file must still take effect.
@Suite(.serialized, .blocksAThread) struct BadInputTests {
    @Test(arguments: SandboxBackend.all)
    func garbageLinesAreRejectedOneByOneAndABinaryFileAsAWhole(backend: SandboxBackend) throws {
        let sandbox = try DaemonSandbox(backend: backend)
        try sandbox.start()
        // Line 3 is not UTF-8, line 5 is blank (ignored, but counted), line 6 is JSON but no object.
        var garbage = Array("hello world\nthis is not JSON {\n".utf8)
        garbage += [0xFF, 0xFE] + Array(" caf".utf8) + [0xE9, 0x0A]
        garbage += Array("[1,2\n\n42\n".utf8)
        try sandbox.dropBytes("garbage.jsonl", garbage)
        let binary = Array(#"{"specversion":"1.0","id":"b-1"}"#.utf8) + [0x00, 0x01, 0x02, 0xFF, 0x00] + Array("tail".utf8)
        try sandbox.dropBytes("binary.json", binary)

        try sandbox.waitUntilSettled(done: ["garbage.jsonl"], rejected: ["binary.json"])

        // garbage.jsonl is text in an accepted format: each line is an event rejected on its own.
        #expect(sandbox.names(in: "done") == ["garbage.jsonl"])
        #expect(try Data(contentsOf: sandbox.url("done", "garbage.jsonl")) == Data(garbage))
        let rejects = try sandbox.jsonLines(sandbox.url("rejected", "garbage.jsonl.errors.jsonl"))
        #expect(rejects.map { $0["line"] as? Int } == [1, 2, 3, 4, 6])
        for reject in rejects {
            #expect(Set(reject.keys) == ["line", "error", "raw"])
            #expect(!((reject["error"] as? String) ?? "").isEmpty)
        }
        #expect(rejects.first?["raw"] as? String == "hello world")
        #expect((rejects.first?["error"] as? String)?.contains("invalid JSON") == true)
        #expect(rejects.dropFirst().first?["raw"] as? String == "this is not JSON {")
        #expect((rejects.dropFirst(2).first?["raw"] as? String)?.contains(" caf") == true)
        #expect(rejects.dropFirst(3).first?["raw"] as? String == "[1,2")
        #expect(rejects.last?["raw"] as? String == "42")
        #expect((rejects.last?["error"] as? String)?.contains("object") == true)

        // binary.json cannot be read as text at all: the whole file goes to rejected/, untouched.
        #expect(try Data(contentsOf: sandbox.url("rejected", "binary.json")) == Data(binary))
        let sidecar = try sandbox.jsonObject(sandbox.url("rejected", "binary.json.error.json"))
        #expect(sidecar["file"] as? String == "binary.json")
        #expect((sidecar["error"] as? String)?.contains("NUL") == true)
        #expect(TestEvents.parse((sidecar["rejected_at"] as? String) ?? "") != nil)
        #expect(Set(sandbox.names(in: "rejected")) == ["binary.json", "binary.json.error.json", "garbage.jsonl.errors.jsonl"])
        #expect(sandbox.logText.contains("file rejected"))

        // The daemon goes on: a good file after the bad ones takes effect.
        let now = TestEvents.now
        try sandbox.drop("good.jsonl", TestEvents.newYorkThenParis(prefix: "g", subject: "cust-good", payment: now - 600))
        try sandbox.waitUntilSettled(done: ["garbage.jsonl", "good.jsonl"], rejected: ["binary.json"])
        try sandbox.waitUntil("the fraud task of the good file is in the outbox") { try sandbox.outboxSubjects() == ["cust-good"] }
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
    }

    @Test(arguments: SandboxBackend.all) func goodEventsOfAFileWithBadLinesTakeEffect(backend: SandboxBackend) throws {
        let sandbox = try DaemonSandbox(backend: backend)
        try sandbox.addLimit("max_line_bytes: 4KiB")
        try sandbox.start()
        let now = TestEvents.now
        let pair = TestEvents.newYorkThenParis(prefix: "m", subject: "cust-mixed", payment: now - 600)
            .split(separator: "\n").map(String.init)
        let notJSON = #"{"specversion":"1.0","id":"m-bad-json","source":"cards","#
        let noSubject = TestEvents.line(id: "m-no-subject", source: "cards", type: "card.transaction", subject: nil,
            time: TestEvents.format(now - 900), data: TestEvents.cardData(.paris, amount: 10))
        let badTime = TestEvents.line(id: "m-bad-time", source: "checkins", type: "location.checkin",
            subject: "cust-mixed", time: "23/11/2026 10:00", data: TestEvents.checkinData(.chicago))
        let long = TestEvents.line(id: "m-long", source: "checkins", type: "location.checkin", subject: "cust-long",
            time: TestEvents.format(now - 900),
            data: #"{"lat":40.7128,"lon":-74.006,"city":"New York","note":""# + String(repeating: "x", count: 5000) + #""}"#)
        let visit = TestEvents.line(id: "m-visit", source: "web", type: "lead.visit", subject: "lead-mixed",
            time: TestEvents.format(now - 300), data: #"{"page":"/pricing","owner":"user-mixed"}"#)
        // Lines: 1 good, 2 not JSON, 3 no subject, 4 blank, 5 bad time, 6 too long, 7 good, 8 good.
        let lines = [pair[0], notJSON, noSubject, "", badTime, long, pair[1], visit]
        let text = lines.joined(separator: "\n") + "\n"
        #expect(long.utf8.count > 4096)
        try sandbox.drop("mixed.jsonl", text)

        try sandbox.waitUntilSettled(done: ["mixed.jsonl"], rejected: [])
        #expect(try String(contentsOf: sandbox.url("done", "mixed.jsonl"), encoding: .utf8) == text)
        #expect(sandbox.names(in: "rejected") == ["mixed.jsonl.errors.jsonl"])
        let rejects = try sandbox.jsonLines(sandbox.url("rejected", "mixed.jsonl.errors.jsonl"))
        #expect(rejects.map { $0["line"] as? Int } == [2, 3, 5, 6])
        let byLine = Dictionary(rejects.map { (($0["line"] as? Int) ?? 0, $0) }, uniquingKeysWith: { first, _ in first })
        for reject in rejects { #expect(Set(reject.keys) == ["line", "error", "raw"]) }
        #expect((byLine[2]?["error"] as? String)?.contains("invalid JSON") == true)
        #expect(byLine[2]?["raw"] as? String == notJSON)
        #expect((byLine[3]?["error"] as? String)?.contains("'subject'") == true)
        #expect(byLine[3]?["raw"] as? String == noSubject)
        #expect((byLine[5]?["error"] as? String)?.contains("RFC 3339") == true)
        #expect(byLine[5]?["raw"] as? String == badTime)
        #expect((byLine[6]?["error"] as? String)?.contains("4096") == true)
        let longRaw = (byLine[6]?["raw"] as? String) ?? ""
        #expect(longRaw.utf8.count == 4096, "raw keeps the first 4 KiB of the line")
        #expect(long.hasPrefix(longRaw))

        // The good events took effect: the fraud pair gives its task, the pricing visit its lead
        // task, exactly as replay of the same file says (the long line is a check-in of another
        // customer, so replay's larger limit does not change the tasks).
        try sandbox.waitUntil("both tasks are in the outbox") { try sandbox.outboxTasks().count == 2 }
        try sandbox.expectOutboxIsReplay(of: [sandbox.url("done", "mixed.jsonl").path])
        #expect(try sandbox.outboxSubjects() == ["cust-mixed", "lead-mixed"])
        #expect(sandbox.logText.contains("rejected=4"))
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)

        let seen = try sandbox.appliedEvents().map(\.id).sorted()
        #expect(seen == ["m-a", "m-b", "m-visit"])
    }

    @Test func emptyFilesAreDoneWithoutErrors() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        try sandbox.drop("empty.jsonl", "")
        try sandbox.drop("blank.jsonl", "\n   \n\t\n\r\n")
        try sandbox.waitUntilSettled(done: ["blank.jsonl", "empty.jsonl"], rejected: [])
        #expect(sandbox.names(in: "rejected").isEmpty)
        #expect(try sandbox.outboxTasks().isEmpty)
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
    }

    @Test func filesOfUnknownFormatsAreRejectedWithTheirReason() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let events = TestEvents.newYorkThenParis(prefix: "csv", subject: "cust-csv", payment: TestEvents.now - 600)
        try sandbox.drop("x.csv", events)
        try sandbox.drop("README", "no extension at all\n")
        try sandbox.waitUntilSettled(done: [], rejected: ["README", "x.csv"])

        #expect(try String(contentsOf: sandbox.url("rejected", "x.csv"), encoding: .utf8) == events)
        let csv = try sandbox.jsonObject(sandbox.url("rejected", "x.csv.error.json"))
        #expect(csv["file"] as? String == "x.csv")
        #expect((csv["error"] as? String)?.contains("'.csv'") == true, "the reason names the extension")
        let readme = try sandbox.jsonObject(sandbox.url("rejected", "README.error.json"))
        #expect((readme["error"] as? String)?.contains("no extension") == true)
        #expect(sandbox.names(in: "rejected") == ["README", "README.error.json", "x.csv", "x.csv.error.json"])
        #expect(sandbox.names(in: "done").isEmpty)
        #expect(try sandbox.outboxTasks().isEmpty, "the events of a rejected file are not applied")
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
    }

    @Test func aSymlinkOutOfTheSpoolIsRejectedAndNotFollowed() throws {
        let sandbox = try DaemonSandbox()
        let outside = sandbox.directory.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let target = outside.appendingPathComponent("pair.jsonl")
        let events = TestEvents.newYorkThenParis(prefix: "link", subject: "cust-link", payment: TestEvents.now - 600)
        try events.write(to: target, atomically: false, encoding: .utf8)
        try sandbox.start()

        let staged = sandbox.url("tmp", "link.jsonl")
        #expect(symlink(target.path, staged.path) == 0)
        try sandbox.renameIntoNew("link.jsonl")
        try sandbox.waitUntilSettled(done: [], rejected: ["link.jsonl"])

        #expect(sandbox.fileType(sandbox.url("rejected", "link.jsonl")) == S_IFLNK, "it stays a symlink")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: sandbox.url("rejected", "link.jsonl").path)
            == target.path)
        let sidecar = try sandbox.jsonObject(sandbox.url("rejected", "link.jsonl.error.json"))
        #expect(sidecar["file"] as? String == "link.jsonl")
        #expect((sidecar["error"] as? String)?.contains("symbolic link") == true)
        #expect(sandbox.fileType(target) == S_IFREG)
        #expect(try String(contentsOf: target, encoding: .utf8) == events, "the target is untouched")
        #expect(try sandbox.outboxTasks().isEmpty, "the events behind the link are not applied")

        // Not applied means not even remembered: the same events, dropped as a real file, fire.
        try sandbox.drop("real.jsonl", events)
        try sandbox.waitUntilSettled(done: ["real.jsonl"], rejected: ["link.jsonl"])
        try sandbox.waitUntil("the fraud task of the real file is in the outbox") {
            try sandbox.outboxSubjects() == ["cust-link"]
        }
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
        let seen = try sandbox.appliedEvents().map(\.id).sorted()
        #expect(seen == ["link-a", "link-b"], "each event applied once, from the real file")
    }

    @Test func aDirectoryInNewIsRejectedWithItsContents() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let staged = sandbox.url("tmp", "folder.jsonl")
        try FileManager.default.createDirectory(at: staged, withIntermediateDirectories: false)
        let events = TestEvents.newYorkThenParis(prefix: "dir", subject: "cust-dir", payment: TestEvents.now - 600)
        try events.write(to: staged.appendingPathComponent("inner.jsonl"), atomically: false, encoding: .utf8)
        try sandbox.renameIntoNew("folder.jsonl")
        try sandbox.waitUntilSettled(done: [], rejected: ["folder.jsonl"])

        #expect(sandbox.fileType(sandbox.url("rejected", "folder.jsonl")) == S_IFDIR)
        #expect(try String(contentsOf: sandbox.url("rejected", "folder.jsonl").appendingPathComponent("inner.jsonl"),
            encoding: .utf8) == events)
        let sidecar = try sandbox.jsonObject(sandbox.url("rejected", "folder.jsonl.error.json"))
        #expect(sidecar["file"] as? String == "folder.jsonl")
        #expect((sidecar["error"] as? String)?.contains("is a directory") == true)
        #expect(try sandbox.outboxTasks().isEmpty)
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
    }

    @Test func badElementsOfABatchAreRejectedOneByOne() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let pair = TestEvents.newYorkThenParis(prefix: "j", subject: "cust-batch", payment: TestEvents.now - 600)
            .split(separator: "\n").map(String.init)
        let noSubject = #"{"specversion":"1.0","id":"j-nosub","source":"checkins","type":"location.checkin","time":"2026-11-23T10:00:00Z"}"#
        let notJSON = #"{"specversion":"1.0","id":"j-bad","time": }"#
        // Lines: 1 "[", 2 good, 3 no subject, 4 not JSON, 5 not an object, 6 good, 7 "]".
        let text = "[\n  " + [pair[0], noSubject, notJSON, "42", pair[1]].joined(separator: ",\n  ") + "\n]\n"
        try sandbox.drop("batch.json", text)
        try sandbox.waitUntilSettled(done: ["batch.json"], rejected: [])

        let rejects = try sandbox.jsonLines(sandbox.url("rejected", "batch.json.errors.jsonl"))
        #expect(rejects.map { $0["line"] as? Int } == [3, 4, 5])
        #expect((rejects.first?["error"] as? String)?.contains("'subject'") == true)
        #expect((rejects.dropFirst().first?["error"] as? String)?.contains("invalid JSON") == true)
        #expect((rejects.last?["error"] as? String)?.contains("object") == true)
        #expect(rejects.last?["raw"] as? String == "42")
        #expect(sandbox.names(in: "rejected") == ["batch.json.errors.jsonl"])
        try sandbox.waitUntil("the fraud task is in the outbox") { try sandbox.outboxSubjects() == ["cust-batch"] }
        let replayed = try sandbox.replay([sandbox.url("done", "batch.json").path])
        let outbox = try sandbox.outboxTasks()
        #expect(replayed.count == 1)
        for line in replayed { #expect(outbox[try DaemonSandbox.id(of: line)] == line) }
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
    }

    @Test func aLineOfExactlyTheMaximumIsTakenOneByteMoreIsNot() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.addLimit("max_line_bytes: 4KiB")
        try sandbox.start()
        let time = TestEvents.format(TestEvents.now - 600)
        func checkin(_ id: String, bytes: Int) -> String {
            let empty = TestEvents.line(id: id, source: "checkins", type: "location.checkin", subject: "cust-\(id)",
                time: time, data: #"{"lat":1,"lon":2,"city":"X","note":""}"#)
            let line = empty.replacingOccurrences(of: #""note":"""#,
                with: #""note":""# + String(repeating: "n", count: bytes - empty.utf8.count) + #"""#)
            #expect(line.utf8.count == bytes)
            return line
        }
        // Line 1: 4,096 bytes; line 2: 4,096 bytes and a CR (CRLF ending); line 3: 4,097 bytes.
        let text = checkin("exact", bytes: 4096) + "\n" + checkin("crlf", bytes: 4096) + "\r\n"
            + checkin("over", bytes: 4097) + "\n"
        try sandbox.drop("edge.jsonl", text)
        try sandbox.waitUntilSettled(done: ["edge.jsonl"], rejected: [])
        let rejects = try sandbox.jsonLines(sandbox.url("rejected", "edge.jsonl.errors.jsonl"))
        #expect(rejects.map { $0["line"] as? Int } == [3])
        #expect((rejects.first?["error"] as? String)?.contains("4096") == true)
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
        let seen = try sandbox.appliedEvents().map(\.id).sorted()
        #expect(seen == ["crlf", "exact"])
    }

    @Test func aReusedFileNameOverwritesNothing() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let now = TestEvents.now
        let first = TestEvents.newYorkThenParis(prefix: "s1", subject: "cust-s1", payment: now - 600) + "first bad line\n"
        let second = TestEvents.newYorkThenParis(prefix: "s2", subject: "cust-s2", payment: now - 500) + "second bad line\n"
        try sandbox.drop("same.jsonl", first)
        try sandbox.drop("same.csv", "first csv\n")
        try sandbox.waitUntilSettled(done: ["same.jsonl"], rejected: ["same.csv"])
        try sandbox.drop("same.jsonl", second)
        try sandbox.drop("same.csv", "second csv\n")
        try sandbox.waitUntil("both files of each name are settled") {
            sandbox.isDrained && sandbox.names(in: "done").count == 2
                && sandbox.names(in: "rejected").filter { !$0.contains(".error") }.count == 2
        }

        // Both files are kept, whole, under distinct names; so are both lists of rejects.
        let done = try sandbox.names(in: "done").map { try String(contentsOf: sandbox.url("done", $0), encoding: .utf8) }
        #expect(Set(done) == [first, second])
        let errorFiles = sandbox.names(in: "rejected").filter { $0.hasSuffix(".errors.jsonl") }
        #expect(errorFiles.count == 2)
        let raws = try errorFiles.flatMap { try sandbox.jsonLines(sandbox.url("rejected", $0)) }.map { $0["raw"] as? String }
        #expect(Set(raws) == ["first bad line", "second bad line"])
        let csvs = sandbox.names(in: "rejected").filter { $0.hasPrefix("same.csv") && !$0.contains(".error") }
        #expect(try Set(csvs.map { try String(contentsOf: sandbox.url("rejected", $0), encoding: .utf8) })
            == ["first csv\n", "second csv\n"])
        for csv in csvs {
            let sidecar = try sandbox.jsonObject(sandbox.url("rejected", csv + ".error.json"))
            #expect(sidecar["file"] as? String == "same.csv")
        }
        try sandbox.waitUntil("both fraud tasks are in the outbox") {
            try sandbox.outboxSubjects() == ["cust-s1", "cust-s2"]
        }
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
    }

    @Test func aDotFileInNewIsLeftAlone() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let partial = TestEvents.newYorkThenParis(prefix: "dot", subject: "cust-dot", payment: TestEvents.now - 600)
        try sandbox.drop(".partial.jsonl", partial)
        try sandbox.drop("visible.jsonl", "")
        try sandbox.waitUntil("visible.jsonl is done") {
            sandbox.names(in: "cur").isEmpty && sandbox.names(in: "done") == ["visible.jsonl"]
        }
        #expect(sandbox.names(in: "new") == [".partial.jsonl"])
        #expect(try String(contentsOf: sandbox.url("new", ".partial.jsonl"), encoding: .utf8) == partial)
        #expect(sandbox.names(in: "rejected").isEmpty)
        #expect(try sandbox.outboxTasks().isEmpty)
        #expect(try sandbox.stop() == 0)
    }

    /// A file that turns out binary after its first MiB (the daemon reads 1 MiB at a time): the
    /// file goes to `rejected/` with its reason, the rejects found before it with it, and what
    /// was taken before is what `replay` takes from the same file.
    @Test func aFileThatTurnsBinaryLateIsRejectedWithWhatWasTakenStated() throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let now = TestEvents.now
        var text = TestEvents.newYorkThenParis(prefix: "late", subject: "cust-late", payment: now - 600)
        text += "not JSON\n"
        var index = 0
        while text.utf8.count < 1_300_000 {
            index += 1
            text += TestEvents.line(id: "pad-\(index)", source: "crm", type: "session.started", subject: "user-pad",
                time: TestEvents.format(now - 3600), data: #"{"device":"laptop","form_factor":"desktop"}"#) + "\n"
        }
        let bytes = Array(text.utf8) + [0x00] + Array("binary tail\n".utf8)
        try sandbox.dropBytes("late.jsonl", bytes)
        try sandbox.waitUntilSettled(done: [], rejected: ["late.jsonl"])

        #expect(try Data(contentsOf: sandbox.url("rejected", "late.jsonl")) == Data(bytes))
        let sidecar = try sandbox.jsonObject(sandbox.url("rejected", "late.jsonl.error.json"))
        let reason = (sidecar["error"] as? String) ?? ""
        #expect(reason.contains("NUL"))
        #expect(reason.contains("were taken"), "the reason says what was taken before: \(reason)")
        let rejects = try sandbox.jsonLines(sandbox.url("rejected", "late.jsonl.errors.jsonl"))
        #expect(rejects.map { $0["line"] as? Int } == [3])
        #expect(sandbox.names(in: "done").isEmpty)
        try sandbox.waitUntil("the fraud task is in the outbox") { try sandbox.outboxSubjects() == ["cust-late"] }
        let replayed = try sandbox.replay([sandbox.url("rejected", "late.jsonl").path])
        let outbox = try sandbox.outboxTasks()
        #expect(Set(try replayed.map(DaemonSandbox.id)) == Set(outbox.keys))
        for line in replayed { #expect(outbox[try DaemonSandbox.id(of: line)] == line) }
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
    }
}

// MARK: - Helpers shared by the process tests

extension DaemonSandbox {
    /// `spool/<folder>/<name>`.
    func url(_ folder: String, _ name: String) -> URL {
        spool.appendingPathComponent(folder).appendingPathComponent(name)
    }

    /// Adds `setting` (e.g. `max_line_bytes: 4KiB`) to the `limits:` section of the config; call
    /// before `start()`.
    func addLimit(_ setting: String) throws {
        let config = directory.appendingPathComponent("contextd.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
        let updated = text.replacingOccurrences(of: "limits:\n", with: "limits:\n  \(setting)\n")
        #expect(updated != text, "the config has a limits: section")
        try updated.write(to: config, atomically: true, encoding: .utf8)
    }

    /// Like `drop`, for bytes that need not be UTF-8.
    func dropBytes(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: url("tmp", name))
        try renameIntoNew(name)
    }

    /// `rename(2)` of `tmp/<name>` (any kind of entry, never followed) into `new/<name>`.
    func renameIntoNew(_ name: String) throws {
        let result = rename(url("tmp", name).path, url("new", name).path)
        try #require(result == 0, "rename into new/ failed: errno \(errno)")
    }

    /// The type bits of `lstat(2)` (`S_IFREG`, `S_IFLNK`, `S_IFDIR`, …); 0 when missing.
    func fileType(_ url: URL) -> mode_t {
        var status = stat()
        guard lstat(url.path, &status) == 0 else { return 0 }
        return status.st_mode & S_IFMT
    }

    /// Waits until `new/` and `cur/` are empty and each name is in `done/` or `rejected/` (an
    /// entry of any kind, found without following links).
    func waitUntilSettled(done: [String], rejected: [String], timeout: Double = 60) throws {
        try waitUntil("\(done) are in done/ and \(rejected) in rejected/", timeout: timeout) {
            isDrained && done.allSatisfy { fileType(url("done", $0)) != 0 }
                && rejected.allSatisfy { fileType(url("rejected", $0)) != 0 }
        }
    }

    /// The outbox holds exactly the tasks `replay` writes for `files`, JSON for JSON.
    func expectOutboxIsReplay(of files: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let replayed = try replay(files)
        let outbox = try outboxTasks()
        #expect(Set(try replayed.map(DaemonSandbox.id)) == Set(outbox.keys), sourceLocation: sourceLocation)
        for line in replayed {
            #expect(outbox[try DaemonSandbox.id(of: line)] == line, sourceLocation: sourceLocation)
        }
    }

    /// Nothing stays in `new/` or `cur/`, and none of contextd's own staging files in `tmp/`.
    func expectNothingLeftBehind(sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(names(in: "new").isEmpty, "new/ holds \(names(in: "new"))", sourceLocation: sourceLocation)
        #expect(names(in: "cur").isEmpty, "cur/ holds \(names(in: "cur"))", sourceLocation: sourceLocation)
        let staging = names(in: "tmp").filter { $0.hasPrefix(".contextd.") }
        #expect(staging.isEmpty, "tmp/ holds staging files \(staging)", sourceLocation: sourceLocation)
    }

    func jsonObject(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// One JSON object per non-empty line.
    func jsonLines(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasSuffix("\n"), "\(url.lastPathComponent) ends with a newline")
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    /// The subjects of the tasks in the outbox, sorted (one entry per task).
    func outboxSubjects() throws -> [String] {
        try outboxTasks().values.map { text in
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            return (object?["subject"] as? String) ?? "?"
        }.sorted()
    }
}

/// CloudEvents lines for the stock rules, timed relative to now (fraud tasks expire 2 h after
/// the payment, and the daemon's clock follows the wall clock when idle).
enum TestEvents {
    struct City {
        var name: String
        var lat: Double
        var lon: Double
        static let newYork = City(name: "New York", lat: 40.7128, lon: -74.006)
        static let paris = City(name: "Paris", lat: 48.8566, lon: 2.3522)
        /// 1,144 km from New York.
        static let chicago = City(name: "Chicago", lat: 41.8781, lon: -87.6298)
    }

    /// The wall clock, to the whole second.
    static var now: Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)) }

    static func format(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// An RFC 3339 time with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return ISO8601DateFormatter().date(from: text) ?? fractional.date(from: text)
    }

    static func line(id: String, source: String, type: String, subject: String?, time: String, data: String) -> String {
        let subjectField = subject.map { #""subject":"\#($0)","# } ?? ""
        return #"{"specversion":"1.0","id":"\#(id)","source":"\#(source)","type":"\#(type)",\#(subjectField)"time":"\#(time)","data":\#(data)}"#
    }

    static func checkinData(_ city: City) -> String {
        #"{"lat":\#(city.lat),"lon":\#(city.lon),"city":"\#(city.name)"}"#
    }

    static func cardData(_ city: City, amount: Double) -> String {
        #"{"amount":\#(amount),"currency":"USD","merchant":"Corner Shop","lat":\#(city.lat),"lon":\#(city.lon),"city":"\#(city.name)","card_present":true}"#
    }

    /// A check-in at `from` (id `<prefix>-a`), then `gap` seconds later, at `payment`, a located
    /// card payment at `to` (id `<prefix>-b`): two JSON lines.
    static func travel(prefix: String, subject: String, from: City, to: City, payment: Date, gap: TimeInterval)
        -> String
    {
        [
            line(id: "\(prefix)-a", source: "checkins", type: "location.checkin", subject: subject,
                time: format(payment - gap), data: checkinData(from)),
            line(id: "\(prefix)-b", source: "cards", type: "card.transaction", subject: subject,
                time: format(payment), data: cardData(to, amount: 84.5)),
        ].joined(separator: "\n") + "\n"
    }

    /// New York, then Paris 40 minutes later (≈8,700 km/h): the stock fraud rule fires.
    static func newYorkThenParis(prefix: String, subject: String, payment: Date) -> String {
        travel(prefix: prefix, subject: subject, from: .newYork, to: .paris, payment: payment, gap: 40 * 60)
    }

    /// New York, then Chicago 98 minutes later (≈700 km/h): over 500 km, under the stock 900 km/h.
    static func newYorkThenChicago(prefix: String, subject: String, payment: Date) -> String {
        travel(prefix: prefix, subject: subject, from: .newYork, to: .chicago, payment: payment, gap: 98 * 60)
    }
}
