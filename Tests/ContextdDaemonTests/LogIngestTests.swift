@testable import ContextdDaemon
import ContextdEvents
import ContextdSpool
import ContextdStore
import ContextdTestKit
import Foundation
import Testing

/// The ingest stage on the event log (decision 0018 §1), over a real spool and a real
/// PostgreSQL database of its own per case: a claimed file's good events appended in file order
/// with the producer's text, its bad, far-future and late lines rejected as the loop rejects
/// them (lateness judged against the log's clock, moving with the file's own events), the same
/// file twice a no-op, and a file left in `cur/` by a crash found appended, or appended once.
@Suite(.postgres, .blocksAThread) struct LogIngestTests {
    static let nine = Timestamp(milliseconds: 1_800_000_000_000)
    static let wallClock = nine + .hours(4)
    static let limits = LogIngest.Limits(maxLineBytes: 1 << 20, maxFutureSkew: .hours(1), allowedLateness: .hours(1))

    /// A CloudEvent line with a producer's own spacing, so that a re-encoding would show.
    static func line(_ id: String, at time: Timestamp, subject: String = "c-1", note: String = "") -> String {
        #"{"specversion":"1.0",  "id":"\#(id)", "source":"cards","type":"card.tx", "subject":"\#(subject)","time":"\#(time.rfc3339)"\#(note)}"#
    }

    /// A spool in a directory of its own and a PostgreSQL store on a database of its own.
    final class Bench: LoggedSpool {
        init() async throws { try await super.init(spool: "cards", prefix: "log-ingest") }

        func ingest(node: String = "n1") -> LogIngest { LogIngest(log: log, node: node, limits: LogIngestTests.limits) }

        /// Drops `lines` as `new/<name>` and claims it into `cur/`.
        func drop(_ name: String, _ lines: [String]) throws -> ClaimedFile {
            try claim(name, lines.joined(separator: "\n") + "\n")
        }

        /// Ingests as the loop will: rejects staged in the spool's tmp/ before the append.
        func ingest(_ file: ClaimedFile, node: String = "n1") throws -> LogIngest.IngestedFile {
            try ingest(file, with: ingest(node: node), spool: "cards", wallClock: LogIngestTests.wallClock)
        }

        func text(_ relative: String) throws -> String {
            try String(contentsOfFile: directory.appendingPathComponent(relative).path, encoding: .utf8)
        }
    }


    @Test func goodLinesAreAppendedInOrderAndBadFutureAndLateLinesRejectedAgainstTheLogsClock() async throws {
        let bench = try await Bench()
        do {
            // The log's clock is nine o'clock before the file: one event of another file.
            let first = try bench.ingest(try bench.drop("a.jsonl", [Self.line("e0", at: Self.nine)]))
            #expect(first.append == LogAppend(positions: 1...1, appended: 1, duplicates: 0))
            #expect(try bench.log.headClock() == Self.nine)

            let good1 = Self.line("e1", at: Self.nine + .minutes(5))
            let bad = #"{"specversion":"1.0","id":"e-bad""#
            let future = Self.line("e2", at: Self.wallClock + .hours(2))
            let late1 = Self.line("e3", at: Self.nine - .hours(2), note: #", "data":{"x":1}"#)
            let good2 = Self.line("e4", at: Self.nine + .hours(3), subject: "c-2")
            // Late against the clock the file itself moved to three o'clock (bound: two o'clock).
            let late2 = Self.line("e5", at: Self.nine + .hours(1))
            let good3 = Self.line("e6", at: Self.nine + .hours(2) + .minutes(30))
            let duplicate = Self.line("e0", at: Self.nine + .hours(2) + .minutes(15), note: #", "again":true"#)
            let file = try bench.drop("b.jsonl", [good1, bad, future, late1, good2, late2, good3, duplicate])
            let ingested = try bench.ingest(file)

            #expect(ingested.append == LogAppend(positions: 2...4, appended: 3, duplicates: 1))
            #expect(ingested.items == 8)
            #expect(ingested.future == 1)
            #expect(ingested.late.count == 2)
            #expect(ingested.file.node == "n1" && ingested.file.spool == "cards" && ingested.file.name == "b.jsonl")
            #expect(ingested.file.digest == (try FileDigest.of(file)))
            let entries = try bench.log.entries(after: 0, limit: 10)
            #expect(entries.map(\.position) == [1, 2, 3, 4])
            #expect(entries.map(\.id) == ["e0", "e1", "e4", "e6"])
            #expect(entries.map(\.body) == [Self.line("e0", at: Self.nine), good1, good2, good3])
            #expect(entries.map(\.clockAfter) == [Self.nine, Self.nine + .minutes(5), Self.nine + .hours(3), Self.nine + .hours(3)])
            #expect(entries.map(\.partition) == ["c-1", "c-1", "c-2", "c-1"].map(EntityPartition.of))

            #expect(ingested.rejects.map(\.rejection.line) == [2, 3, 4, 6])
            #expect(ingested.rejects.map(\.late) == [false, false, true, true])
            #expect(ingested.rejects.map(\.rejection.kind) == [.invalid, .future, .invalid, .invalid])
            #expect(ingested.rejects.map(\.rejection.raw) == [bad, future, late1, late2])
            #expect(ingested.rejects.allSatisfy { $0.spool == "cards" && $0.file == "b.jsonl" })
            #expect(ingested.rejects[1].rejection.error.hasPrefix(
                "time \((Self.wallClock + .hours(2)).rfc3339) is more than 1h ahead of the wall clock (\(Self.wallClock.rfc3339)"))
            #expect(ingested.rejects[2].rejection.error.hasPrefix(
                "time \((Self.nine - .hours(2)).rfc3339) is more than 1h behind the clock (\((Self.nine + .minutes(5)).rfc3339))"))
            #expect(ingested.rejects[3].rejection.error.hasPrefix(
                "time \((Self.nine + .hours(1)).rfc3339) is more than 1h behind the clock (\((Self.nine + .hours(3)).rfc3339))"))

            // The spool completes it as today: done/, and rejected/ holds the bad lines and the
            // late events' own text.
            try bench.spool.complete(file.name)
            #expect(FileManager.default.fileExists(atPath: bench.directory.appendingPathComponent("done/b.jsonl").path))
            let errors = try bench.text("rejected/b.jsonl.errors.jsonl").split(separator: "\n")
            #expect(errors.count == 2)
            #expect(errors.allSatisfy { $0.hasPrefix(#"{"line":2,"#) || $0.hasPrefix(#"{"line":3,"#) })
            #expect(try bench.text("rejected/b.jsonl.late.jsonl") == late1 + "\n" + late2 + "\n")
        } catch {
            try await bench.close()
            throw error
        }
        try await bench.close()
    }

    @Test func theSameFileTwiceAppendsNothingTheSecondTime() async throws {
        let bench = try await Bench()
        do {
            let file = try bench.drop("a.jsonl", [
                Self.line("e1", at: Self.nine), Self.line("e2", at: Self.nine + .minutes(1)), "not json",
            ])
            let first = try bench.ingest(file)
            #expect(first.append == LogAppend(positions: 1...2, appended: 2, duplicates: 0))
            // A node killed after the append and before done/ that ingests the file again.
            let second = try bench.ingest(file)
            #expect(second.append == first.append)
            #expect(second.file == first.file)
            #expect(second.rejects.map(\.rejection.line) == [3])
            #expect(try bench.log.head() == 2)
            #expect(try bench.log.entries(after: 0, limit: 10).map(\.id) == ["e1", "e2"])
        } catch {
            try await bench.close()
            throw error
        }
        try await bench.close()
    }

    @Test func aFileLeftInCurIsFoundAppendedOrAppendedOnce() async throws {
        let bench = try await Bench()
        do {
            // Appended, then the node died before done/: recovery says it is done, by its digest.
            let appended = try bench.drop("a.jsonl", [Self.line("e1", at: Self.nine)])
            let result = try bench.ingest(appended).append
            #expect(try bench.ingest().recover(appended, spool: "cards") == .logged(result))
            // The same name on another node, or in another spool, is another file.
            #expect(try bench.ingest(node: "n2").recover(appended, spool: "cards") == .mustAppend)
            #expect(try bench.ingest().recover(appended, spool: "other") == .mustAppend)
            try bench.spool.complete(appended.name)

            // Claimed, then the node died before the append: it must be appended, and is, once.
            let claimed = try bench.drop("b.jsonl", [Self.line("e2", at: Self.nine), Self.line("e3", at: Self.nine)])
            #expect(try bench.ingest().recover(claimed, spool: "cards") == .mustAppend)
            let redo = try bench.ingest(claimed).append
            #expect(redo == LogAppend(positions: 2...3, appended: 2, duplicates: 0))
            #expect(try bench.ingest().recover(claimed, spool: "cards") == .logged(redo))
            #expect(try bench.log.entries(after: 0, limit: 10).map(\.id) == ["e1", "e2", "e3"])
            try bench.spool.complete(claimed.name)

            // A new file under the name of one in done/: the name alone says "appended", the
            // digest does not, and its event is not lost.
            let reused = try bench.drop("a.jsonl", [Self.line("e4", at: Self.nine)])
            #expect(try bench.log.isLogged(node: "n1", spool: "cards", file: "a.jsonl") == result)
            #expect(try bench.ingest().recover(reused, spool: "cards") == .mustAppend)
            #expect(try bench.ingest(reused).append == LogAppend(positions: 4...4, appended: 1, duplicates: 0))
            #expect(try bench.log.entries(after: 0, limit: 10).map(\.id) == ["e1", "e2", "e3", "e4"])
        } catch {
            try await bench.close()
            throw error
        }
        try await bench.close()
    }
}

/// The digest of a file for the event log's record.
@Suite struct FileDigestTests {
    /// The digest is SHA-256 in lowercase hex (FIPS 180-2's example "abc"), over the file's
    /// bytes whatever the chunks it is read in.
    @Test func theDigestIsTheSHA256OfTheFilesBytes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("abc.jsonl").path
        try "abc".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try FileDigest.of(ClaimedFile(name: "abc.jsonl", path: path, format: .jsonLines))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
