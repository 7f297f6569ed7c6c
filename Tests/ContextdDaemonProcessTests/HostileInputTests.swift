import ContextdEngine
import ContextdStore
import ContextdTestKit
import ContextdTestSupport
import Foundation
import Glibc
import HTTPTypes
import Testing

/// Issue 17, "the hostile-input suite": what a careless or hostile producer, a full disk and a
/// damaged database do to the real daemon. Each case checks what an operator would: the daemon
/// keeps serving (or stops with an error that says what to fix), every dropped file ends in
/// `done/` or `rejected/` with its reason, and the good events still make the tasks `replay`
/// makes from the same files. BadInputTests covers garbage lines, binary files, symlinks,
/// directories and over-long lines at a small limit; this suite covers the rest of the list.
@Suite(.serialized, .blocksAThread) struct HostileInputTests {
    // MARK: Bad UTF-8

    /// Invalid UTF-8 inside JSON strings and between tokens: each such line is a bad line with
    /// its number, the valid lines around it (non-ASCII ones too) take effect, and the list of
    /// rejects is itself valid UTF-8 JSON, the bad bytes shown as U+FFFD.
    @Test func invalidUTF8LinesAreRejectedOneByOne() async throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let port = try sandbox.httpPort()
        let now = TestEvents.now
        let pair = TestEvents.newYorkThenParis(prefix: "u", subject: "cust-utf8", payment: now - 600)
            .split(separator: "\n").map { Array($0.utf8) }
        /// A check-in whose city is `city`, as bytes: the bad bytes inside a JSON string.
        func checkin(_ id: String, city: [UInt8]) -> [UInt8] {
            let text = TestEvents.line(id: id, source: "checkins", type: "location.checkin", subject: "cust-\(id)",
                time: TestEvents.format(now - 900), data: #"{"lat":1,"lon":2,"city":"@"}"#)
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            return Array(parts[0].utf8) + city + Array(parts[1].utf8)
        }
        let good = Array(TestEvents.line(id: "u-visit", source: "web", type: "lead.visit", subject: "lead-café",
            time: TestEvents.format(now - 300), data: #"{"page":"/pricing","owner":"user-☕-𝄞"}"#).utf8)
        let surrogateInKey = Array(#"{"specversion":"1.0","id":"u-key"#.utf8) + [0xED, 0xA0, 0x80]
            + Array(#"","source":"x","type":"y","subject":"z","time":"2026-11-01T00:00:00Z"}"#.utf8)
        let lines: [[UInt8]] = [
            pair[0],  // 1 good
            checkin("u-lone", city: Array("New".utf8) + [0x80] + Array("York".utf8)),  // 2 lone continuation byte
            checkin("u-overlong", city: [0xC0, 0xAF]),  // 3 overlong "/"
            checkin("u-overlong3", city: [0xE0, 0x80, 0xAF]),  // 4 overlong "/" in three bytes
            checkin("u-truncated", city: Array("Paris ".utf8) + [0xE2, 0x82]),  // 5 "€" cut short before the quote
            [0xFF] + checkin("u-outside", city: Array("Oslo".utf8)),  // 6 a bad byte before the object
            surrogateInKey,  // 7 an encoded UTF-16 surrogate in a string
            checkin("u-tail", city: Array("Rome".utf8)) + [0xF0, 0x9F, 0x98],  // 8 a cut 4-byte sequence after it
            pair[1],  // 9 good
            good,  // 10 good, non-ASCII
        ]
        let bytes = lines.joined(separator: [0x0A]) + [0x0A]
        try sandbox.dropBytes("utf8.jsonl", Array(bytes))
        try sandbox.waitUntilSettled(done: ["utf8.jsonl"], rejected: [])

        #expect(try Data(contentsOf: sandbox.url("done", "utf8.jsonl")) == Data(bytes), "kept byte for byte")
        let errors = try Data(contentsOf: sandbox.url("rejected", "utf8.jsonl.errors.jsonl"))
        let text = try #require(String(validating: errors, as: UTF8.self), "the rejects are valid UTF-8")
        let rejects = try sandbox.jsonLines(sandbox.url("rejected", "utf8.jsonl.errors.jsonl"))
        #expect(rejects.map { $0["line"] as? Int } == [2, 3, 4, 5, 6, 7, 8], "\(text)")
        for reject in rejects {
            #expect(Set(reject.keys) == ["line", "error", "raw"])
            let raw = (reject["raw"] as? String) ?? ""
            #expect(raw.contains("\u{FFFD}"), "line \(reject["line"] ?? "?"): bad bytes shown as U+FFFD: \(raw)")
        }
        let inStrings = rejects.filter { [2, 3, 4, 5].contains($0["line"] as? Int) }
        for reject in inStrings {
            #expect((reject["error"] as? String)?.contains("UTF-8") == true, "\(reject)")
        }

        // The good lines took effect, as replay of the same file says.
        try sandbox.waitUntil("both tasks are in the outbox") { try sandbox.outboxTasks().count == 2 }
        try sandbox.expectOutboxIsReplay(of: [sandbox.url("done", "utf8.jsonl").path])
        #expect(try sandbox.outboxSubjects() == ["cust-utf8", "lead-café"])
        #expect(try await request(port, .get, "/healthz").status == 200)
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
        let seen = try sandbox.appliedEvents().map(\.id).sorted()
        #expect(seen == ["u-a", "u-b", "u-visit"])
    }

    // MARK: A 10 MB line

    /// A 10 MB line (ten times the default `max_line_bytes`) between good lines: rejected with
    /// its number and its first 4 KiB, the lines around it applied. The daemon streams (SPEC §1:
    /// "a file of any size is streamed") and keeps at most `max_line_bytes` of a line, so its
    /// peak resident set (VmHWM, a resource bound, not a timing) grows by less than the line
    /// itself while it reads it, and stays under 200 MB, the daemon's memory target with a
    /// million entities (EventFileReader.readAheadChunk). Measured: about 50 MB.
    @Test func aTenMegabyteLineIsRejectedAndNotHeldInMemory() async throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let port = try sandbox.httpPort()
        try sandbox.drop("warm-up.jsonl", TestEvents.newYorkThenChicago(prefix: "warm", subject: "cust-warm",
            payment: TestEvents.now - 600))
        try sandbox.waitUntilSettled(done: ["warm-up.jsonl"], rejected: [])
        let before = try #require(try sandbox.peakResidentBytes())
        let now = TestEvents.now
        let pair = TestEvents.newYorkThenParis(prefix: "big", subject: "cust-big", payment: now - 600)
            .split(separator: "\n").map(String.init)
        let huge = TestEvents.line(id: "big-huge", source: "checkins", type: "location.checkin", subject: "cust-huge",
            time: TestEvents.format(now - 900),
            data: #"{"lat":1,"lon":2,"city":"X","note":""# + String(repeating: "0123456789", count: 1_000_000) + #""}"#)
        #expect(huge.utf8.count > 10_000_000)
        let text = [pair[0], huge, pair[1]].joined(separator: "\n") + "\n"
        try sandbox.drop("big.jsonl", text)
        try sandbox.waitUntilSettled(done: ["big.jsonl", "warm-up.jsonl"], rejected: [])

        let rejects = try sandbox.jsonLines(sandbox.url("rejected", "big.jsonl.errors.jsonl"))
        #expect(rejects.map { $0["line"] as? Int } == [2])
        let error = (rejects.first?["error"] as? String) ?? ""
        #expect(error.contains("1048576"), "the reason names the limit: \(error)")
        let raw = (rejects.first?["raw"] as? String) ?? ""
        #expect(raw.utf8.count <= 4096 && raw.utf8.count > 0)
        #expect(huge.hasPrefix(raw))
        try sandbox.waitUntil("the fraud task is in the outbox") { try sandbox.outboxSubjects() == ["cust-big"] }
        try sandbox.expectOutboxIsReplay(of: ["warm-up.jsonl", "big.jsonl"].map { sandbox.url("done", $0).path })
        #expect(try await request(port, .get, "/healthz").status == 200)

        let peak = try #require(try sandbox.peakResidentBytes())
        #expect(peak < 200_000_000, "VmHWM \(peak / 1_000_000) MB after a 10 MB line")
        #expect(peak - before < huge.utf8.count, "VmHWM grew by \(peak - before) bytes reading the line")
        print("hostile input: VmHWM \(before / 1_000_000) MB before, \(peak / 1_000_000) MB after a 10 MB line")
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
    }

    // MARK: Deep nesting

    /// 100,000 levels of arrays and of objects, as lines and as elements of a `.json` batch: each
    /// is a bad line (the parser stops at its depth limit instead of exhausting the stack), the
    /// events around them are applied, and the daemon is still there.
    @Test func aHundredThousandLevelsOfNestingAreBadLinesNotACrash() async throws {
        let sandbox = try DaemonSandbox()
        try sandbox.start()
        let port = try sandbox.httpPort()
        let now = TestEvents.now
        let depth = 100_000
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let deepData = TestEvents.line(id: "deep-data", source: "checkins", type: "location.checkin",
            subject: "cust-deep", time: TestEvents.format(now - 900), data: arrays)
        let deepObject = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        let unclosed = String(repeating: "[", count: depth)
        let lines = TestEvents.newYorkThenParis(prefix: "dl", subject: "cust-lines", payment: now - 600)
            .split(separator: "\n").map(String.init)
        let deepLines = [lines[0], deepData, deepObject, unclosed, lines[1]]
        try sandbox.drop("deep.jsonl", deepLines.joined(separator: "\n") + "\n")
        let elements = TestEvents.newYorkThenParis(prefix: "dj", subject: "cust-batch", payment: now - 500)
            .split(separator: "\n").map(String.init)
        let deepElements = [elements[0], deepData, deepObject, elements[1]]
        try sandbox.drop("deep.json", "[\n" + deepElements.joined(separator: ",\n") + "\n]\n")
        try sandbox.waitUntilSettled(done: ["deep.json", "deep.jsonl"], rejected: [])

        let lineRejects = try sandbox.jsonLines(sandbox.url("rejected", "deep.jsonl.errors.jsonl"))
        #expect(lineRejects.map { $0["line"] as? Int } == [2, 3, 4])
        for reject in lineRejects.prefix(2) {
            #expect((reject["error"] as? String)?.contains("nested deeper") == true, "\(reject["error"] ?? "")")
        }
        let elementRejects = try sandbox.jsonLines(sandbox.url("rejected", "deep.json.errors.jsonl"))
        #expect(elementRejects.map { $0["line"] as? Int } == [3, 4])
        for reject in lineRejects + elementRejects {
            #expect(((reject["raw"] as? String) ?? "").utf8.count <= 4096)
        }
        try sandbox.waitUntil("both fraud tasks are in the outbox") {
            try sandbox.outboxSubjects() == ["cust-batch", "cust-lines"]
        }
        try sandbox.expectOutboxIsReplay(of: ["deep.json", "deep.jsonl"].map { sandbox.url("done", $0).path })
        #expect(try await request(port, .get, "/healthz").status == 200)
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
    }

    // MARK: A FIFO

    /// A named pipe renamed into `new/` (and one left in `cur/` as if by a crash): opening one
    /// for reading would block until a writer came, so the daemon must look before it opens.
    /// Both go to `rejected/` as pipes with their reason, and a file dropped after them is done.
    @Test func aNamedPipeIsRejectedWithoutBlockingTheDaemon() async throws {
        let sandbox = try DaemonSandbox()
        try FileManager.default.createDirectory(at: sandbox.spool.appendingPathComponent("cur"),
            withIntermediateDirectories: true)
        #expect(mkfifo(sandbox.url("cur", "left.jsonl").path, 0o600) == 0)
        try sandbox.start()
        let port = try sandbox.httpPort()
        #expect(mkfifo(sandbox.url("tmp", "pipe.jsonl").path, 0o600) == 0)
        try sandbox.renameIntoNew("pipe.jsonl")
        let events = TestEvents.newYorkThenParis(prefix: "fifo", subject: "cust-fifo", payment: TestEvents.now - 600)
        try sandbox.drop("after.jsonl", events)
        try sandbox.waitUntilSettled(done: ["after.jsonl"], rejected: ["left.jsonl", "pipe.jsonl"])

        for name in ["left.jsonl", "pipe.jsonl"] {
            #expect(sandbox.fileType(sandbox.url("rejected", name)) == S_IFIFO, "\(name) stays a pipe")
            let sidecar = try sandbox.jsonObject(sandbox.url("rejected", name + ".error.json"))
            #expect(sidecar["file"] as? String == name)
            #expect((sidecar["error"] as? String)?.contains("named pipe (FIFO)") == true, "\(sidecar)")
        }
        try sandbox.waitUntil("the fraud task is in the outbox") { try sandbox.outboxSubjects() == ["cust-fifo"] }
        try sandbox.expectOutboxIsReplay(of: [sandbox.url("done", "after.jsonl").path])
        #expect(try await request(port, .get, "/healthz").status == 200)
        try sandbox.expectNothingLeftBehind()
        #expect(try sandbox.stop() == 0)
    }

    // MARK: 20,000 small files

    /// A backlog of 20,000 one-event files dropped before the start: all done, none left, and
    /// the outbox is what replay makes of the same events in the same order.
    @Test func twentyThousandOneEventFilesGiveTheTasksReplayGives() throws {
        let sandbox = try DaemonSandbox()
        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z"))
        let files = Array(EventMix(customers: 3300, start: start, seed: 17).files(perFile: 1).prefix(20_000))
        #expect(files.count == 20_000)
        let began = Date()
        for file in files { try sandbox.dropQuickly(file.name, file.text) }
        // Replay reads the same events in the same order from one file: 20,000 paths would come
        // near the kernel's limit on a command line, and nothing in replay depends on file
        // boundaries without explicit clock steps.
        let all = sandbox.directory.appendingPathComponent("all.jsonl")
        try files.map(\.text).joined().write(to: all, atomically: false, encoding: .utf8)
        let dropped = Date()
        try sandbox.start()
        try sandbox.waitUntilDrained(timeout: 600)
        let drained = Date()
        #expect(try sandbox.stop() == 0)

        #expect(sandbox.names(in: "done").count == files.count)
        #expect(sandbox.names(in: "rejected").isEmpty)
        try sandbox.expectNothingLeftBehind()
        let compared = try OutboxComparison.expectSameTasks(sandbox, files: [all.path])
        #expect(compared > 1000)
        print("hostile input: 20,000 files dropped in \(Int(dropped.timeIntervalSince(began))) s, "
            + "drained in \(Int(drained.timeIntervalSince(dropped))) s, \(compared) tasks compared")
    }

    // MARK: A full disk

    /// The outbox, or the data directory, on a 2 MiB tmpfs filled to the last byte. The daemon
    /// may not lose or double anything: it stops with exit 1 and an error naming the full
    /// device, the files it had not committed stay in the spool, and once space is freed a
    /// restart processes every file exactly once and writes the tasks replay writes.
    @Test(.enabled(if: ScratchMount.isAvailable, "needs root and tmpfs mounts (CI runs as root)"),
        arguments: ["outbox", "var"])
    func aFullDiskStopsTheDaemonAndARestartResumes(on folder: String) throws {
        let sandbox = try DaemonSandbox(batchEvents: 50)
        // The data directory needs room for the whole store once the filler is gone (its WAL
        // grows to 32 MiB before a checkpoint, about 4 KiB an event here); the outbox's files
        // are small.
        let mount = try ScratchMount(at: sandbox.directory.appendingPathComponent(folder).path,
            size: folder == "var" ? "16m" : "2m")
        defer {
            mount.unmount()
            withExtendedLifetime(sandbox) {}
        }
        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z"))
        let files = EventMix(customers: 200, start: start, seed: 9).files(perFile: 20)
        if folder == "var" {
            // A daemon whose database is already there, as in production: it fills up as it goes.
            try sandbox.start()
            _ = try sandbox.httpPort()
        } else {
            // Made before the disk fills, as they would be by any earlier start.
            for sub in ["tmp", "new"] {
                try FileManager.default.createDirectory(at: sandbox.outbox.appendingPathComponent(sub),
                    withIntermediateDirectories: true)
            }
        }
        let filler = try mount.fill()
        let copies = try sandbox.dropKeepingCopies(files)
        if folder == "outbox" { try sandbox.start() }

        try sandbox.waitUntil("the daemon stops on the full disk", timeout: 120) { sandbox.process?.isRunning != true }
        let status = try #require(sandbox.process).terminationStatus
        #expect(status == 1, "exit status \(status)")
        let log = sandbox.logText
        #expect(log.contains("stopped on an error"), "\(log.suffix(2000))")
        #expect(log.contains("No space left on device") || log.contains("database or disk is full"),
            "the error names the full disk: \(log.suffix(2000))")
        #expect(sandbox.names(in: "done").count < files.count, "the disk filled before the backlog was done")
        let stopped = log.split(separator: "\n").filter { $0.contains("stopped on an error") }
        print("hostile input: full \(folder): \(sandbox.names(in: "done").count) of \(files.count) done, \(stopped)")
        #expect(sandbox.names(in: "rejected").isEmpty, "a full disk is not the files' fault")

        try FileManager.default.removeItem(atPath: filler)
        try sandbox.start()
        try sandbox.waitUntilDrained(timeout: 300)
        #expect(try sandbox.stop() == 0)
        #expect(sandbox.names(in: "done").count == files.count)
        #expect(sandbox.names(in: "rejected").isEmpty)
        try sandbox.expectNothingLeftBehind()
        try OutboxComparison.expectSameTasks(sandbox, files: copies)
        // Exactly once: an event applied twice would add a second point to a window.
        #expect(try OutboxComparison.expectSameContexts(sandbox, files: copies).contexts >= 200)
    }

    // MARK: A damaged database

    /// The database overwritten with garbage, or cut in the middle, after a first run: the
    /// daemon refuses to start (exit 1) with an error naming the file and the way out (SQLite's
    /// own message names neither), rather than starting on an empty or half store and applying
    /// events a second time; the waiting spool files stay in `new/`, untouched.
    @Test(arguments: ["garbage", "truncated", "last page cut"])
    func aDamagedDatabaseStopsTheStartWithTheFileNamed(damage: String) throws {
        let sandbox = try DaemonSandbox()
        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z"))
        let files = EventMix(customers: 600, start: start, seed: 3).files(perFile: 100)
        try sandbox.start()
        _ = try sandbox.dropKeepingCopies(Array(files.dropLast()))
        try sandbox.waitUntilDrained()
        #expect(try sandbox.stop() == 0)

        // A daemon that exits may leave its last commits in the -wal file, where SQLite would
        // still find them whatever became of the main file: the last close of the store
        // copies them in and removes the WAL, so that the damage hits the data itself.
        do { _ = try sandbox.store().snapshot() }
        let database = sandbox.database
        try #require(!FileManager.default.fileExists(atPath: database + "-wal"), "the WAL was checkpointed")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: database)[.size] as? Int)
        #expect(size > 64 * 1024, "a database of several pages: \(size) bytes")
        let handle = try #require(FileHandle(forUpdatingAtPath: database))
        if damage == "garbage" {
            var random = SplitMix(state: 77)
            try handle.write(contentsOf: Data((0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }))
        } else if damage == "truncated" {
            try handle.truncate(atOffset: UInt64(size / 2))
        } else {
            try handle.truncate(atOffset: UInt64(size - 4096))
        }
        try handle.close()
        let last = try #require(files.last)
        try sandbox.drop(last.name, last.text)

        let earlier = sandbox.logText.utf8.count
        try sandbox.start()
        try sandbox.waitUntil("the daemon refuses to start", timeout: 60) { sandbox.process?.isRunning != true }
        let status = try #require(sandbox.process).terminationStatus
        #expect(status == 1, "exit status \(status)")
        let log = String(decoding: Array(sandbox.logText.utf8).dropFirst(earlier), as: UTF8.self)
        #expect(!log.contains("started"), "the daemon did not start: \(log)")
        print("hostile input: database \(damage) (\(size) bytes): \(log)")
        #expect(log.contains("cannot open the database '\(database)'"), "the error names the database: \(log)")
        #expect(log.contains("restore it from a backup"), "the error says what to do: \(log)")
        #expect(!log.contains("file done"), "nothing processed on the damaged store")
        #expect(sandbox.names(in: "new") == [last.name])
        #expect(try String(contentsOf: sandbox.url("new", last.name), encoding: .utf8) == last.text)
        #expect(sandbox.names(in: "cur").isEmpty)
    }
}

extension DaemonSandbox {
    /// ``drop(_:_:)`` with plain system calls: Foundation's write and move take most of the
    /// time of a 20,000-file backlog.
    func dropQuickly(_ name: String, _ text: String) throws {
        let staged = spool.path + "/tmp/" + name
        let descriptor = open(staged, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try #require(descriptor >= 0, "create \(staged): \(String(cString: strerror(errno)))")
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
        close(descriptor)
        try #require(written == bytes.count, "write \(staged)")
        try #require(rename(staged, spool.path + "/new/" + name) == 0, "rename \(staged) into new/")
    }

    /// The running daemon's peak resident set (`VmHWM` in `/proc/<pid>/status`), in bytes.
    func peakResidentBytes() throws -> Int? {
        let process = try #require(process)
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
    }
}

/// A small tmpfs mounted for one test, to run a directory out of space for real.
struct ScratchMount {
    let path: String

    /// Root, and the kernel lets this process mount a tmpfs (not so in every container).
    static let isAvailable: Bool = {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory
            .appendingPathComponent("contextd-mount-\(UUID().uuidString)").path
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else {
            return false
        }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard Glibc.mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount(probe)
        return true
    }()

    init(at path: String, size: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = Glibc.mount("tmpfs", path, "tmpfs", 0, "size=\(size)")
        try #require(result == 0, "mount tmpfs on \(path): \(String(cString: strerror(errno)))")
    }

    /// Writes a filler file until the file system has no byte left; returns its path.
    func fill() throws -> String {
        let filler = path + "/filler"
        let descriptor = open(filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let block = [UInt8](repeating: 0x5A, count: 4096)
        while true {
            let written = block.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
            if written < 0 {
                try #require(errno == ENOSPC, "filling \(path): \(String(cString: strerror(errno)))")
                break
            }
        }
        // A last partial block: tmpfs hands out whole pages, but be sure no byte is left.
        _ = block.withUnsafeBytes { write(descriptor, $0.baseAddress!, 1) }
        return filler
    }

    /// Lazily, so that a daemon still holding a file there cannot keep the mount behind.
    func unmount() {
        if umount2(path, Int32(MNT_DETACH)) != 0 {
            Issue.record("umount \(path): \(String(cString: strerror(errno)))")
        }
    }
}
