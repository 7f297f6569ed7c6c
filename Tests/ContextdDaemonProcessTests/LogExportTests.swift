import ContextdEvents
import ContextdStore
import ContextdTestKit
import Foundation
import Testing

/// `contextd log export` (decision 0018 §1): the log in position order as the producers' own
/// lines, cut at its ticks into files `contextd replay` reads as they are, and `replay` of the
/// export equal to `replay` of the original files with the same clock steps. SQLite is refused.
@Suite(.blocksAThread) struct LogExportTests {
    @Test(.postgres) func theExportIsTheLogsLinesAndReplaysAsTheOriginalFiles() throws {
        let sandbox = try DaemonSandbox(backend: .postgresql)
        #expect(try sandbox.runToEnd(["migrate"]).status == 0)
        let start = try #require(ISO8601DateFormatter().date(from: "2026-10-01T08:00:00Z"))
        let files = EventMix(customers: 60, start: start, seed: 7).files(perFile: 40)
        #expect(files.count == 10)
        // Clock steps before files 3 and 7: the idle cluster's ticks.
        let steps = [3: Timestamp(rfc3339: "2026-10-01T09:30:00Z")!, 7: Timestamp(rfc3339: "2026-10-04T12:00:00Z")!]

        // The log as the cluster would append it: file by file, a tick where the clock stepped.
        let originals = sandbox.directory.appendingPathComponent("originals")
        try FileManager.default.createDirectory(at: originals, withIntermediateDirectories: true)
        let store = try sandbox.store()
        let log = try #require(store as? any EventLog)
        let decoder = EventDecoder()
        var seen: Set<String> = []
        var segments: [[String]] = [[]]
        var expectedStream: [String] = []
        var duplicates = 0
        for (index, file) in files.enumerated() {
            try file.text.write(to: originals.appendingPathComponent(file.name), atomically: true, encoding: .utf8)
            if let step = steps[index] {
                #expect(try log.appendTick(at: step) > 0)
                segments.append([])
                expectedStream.append(#"{"contextd_clock_step":"\#(step.rfc3339)"}"#)
            }
            let lines = file.text.split(separator: "\n").map(String.init)
            let events = try lines.enumerated().map { number, line in
                LoggedEvent(event: try decoder.decode(line: Array(line.utf8), lineNumber: number + 1).get(), text: line)
            }
            let append = try log.append(
                LoggedFile(node: "n1", spool: "events", name: file.name, digest: "d-\(index)"), events: events)
            duplicates += append.duplicates
            for (line, logged) in zip(lines, events) where seen.insert(logged.event.source + "/" + logged.event.id).inserted {
                segments[segments.count - 1].append(line)
                expectedStream.append(line)
            }
        }
        #expect(duplicates == 8, "EventMix resends every 50th of its 360 events")

        // With --output: one file per run of events between ticks, and replay's arguments.
        let exported = sandbox.directory.appendingPathComponent("export")
        let run = try sandbox.runToEnd(["log", "export", "--output", exported.path])
        #expect(run.status == 0, "\(run.error)")
        let arguments = run.output.trimmingCharacters(in: .newlines).split(separator: " ").map(String.init)
        #expect(Array(arguments.prefix(2)) == ["contextd", "replay"])
        let firstPositions = segments.indices.map { segments[..<$0].map(\.count).reduce(0, +) + $0 + 1 }
        let names = firstPositions.map { String(format: "log-%012d.jsonl", $0) }
        #expect(Array(arguments.dropFirst(2)) == [
            exported.appendingPathComponent(names[0]).path, steps[3]!.rfc3339,
            exported.appendingPathComponent(names[1]).path, steps[7]!.rfc3339,
            exported.appendingPathComponent(names[2]).path,
        ])
        for (name, lines) in zip(names, segments) {
            let bytes = try Data(contentsOf: exported.appendingPathComponent(name))
            #expect(bytes == Data((lines.joined(separator: "\n") + "\n").utf8), "\(name): the producers' own lines")
        }

        // replay of the export equals replay of the original files with the same steps.
        let exportFiles = names.map { exported.appendingPathComponent($0).path }
        let fromExport = try sandbox.replay(exportFiles, steps: [1: steps[3]!, 2: steps[7]!])
        let fromFiles = try sandbox.replay(files.map { originals.appendingPathComponent($0.name).path }, steps: steps)
        #expect(fromExport.count > 5)
        #expect(fromExport == fromFiles)

        // Without --output: the whole log on stdout, ticks as clock-step lines; --after skips.
        let stream = try sandbox.runToEnd(["log", "export"])
        #expect(stream.status == 0, "\(stream.error)")
        #expect(stream.output == expectedStream.joined(separator: "\n") + "\n")
        let tail = try sandbox.runToEnd(["log", "export", "--after", String(expectedStream.count - 2)])
        #expect(tail.output == expectedStream.suffix(2).joined(separator: "\n") + "\n")
    }

    @Test func aSQLiteStoreIsRefusedWithTheReason() throws {
        let sandbox = try DaemonSandbox()
        let run = try sandbox.runToEnd(["log", "export"])
        #expect(run.status == 78)
        #expect(run.output == "")
        #expect(run.error.hasPrefix("contextd: the event log needs PostgreSQL: the store at "), "\(run.error)")
    }
}
