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

    /// A `kind: process` spool's events without a `kind` attribute are `process` events in the
    /// log; the export writes `"kind":"process",` right after their opening `{` (the rest of the
    /// producer's bytes as they were) and leaves texts that say their kind alone, so `replay` of
    /// the export (which decodes with the default `data`) gives the tasks of the same events with
    /// their kinds written out.
    @Test(.postgres) func anEventsKindFromItsSpoolIsWrittenIntoTheExportSoReplayDecodesTheSameEvent() throws {
        let sandbox = try DaemonSandbox(backend: .postgresql)
        #expect(try sandbox.runToEnd(["migrate"]).status == 0)
        try """
            rules:
              - id: kind-seen
                description: Says which kind each step event had.
                on: [step.done]
                task:
                  assignee: "ops-{{ event.id }}"   # one each: the stock contact cap allows 3 a day
                  where: crm_task
                  priority: 50
                  what: "{{ event.id }} is {{ event.kind }}"
                  why: "a step of {{ subject }}"
            """.write(to: sandbox.rules.appendingPathComponent("kinds.yaml"), atomically: true, encoding: .utf8)
        func line(_ id: String, minute: Int, kind: String? = nil, spaced: Bool = false) -> String {
            (spaced ? #"{ "specversion": "1.0", "id": "\#(id)""# : #"{"specversion":"1.0","id":"\#(id)""#)
                + (kind.map { #","kind":"\#($0)""# } ?? "")
                + #","source":"wf","type":"step.done","subject":"s-\#(id)","time":"2026-11-20T08:\#(minute):00.250Z","#
                + #""data":{"note":"caf\u00e9 \"q\""}}"#
        }
        func withKind(_ text: String) -> String { #"{"kind":"process","# + text.dropFirst() }
        let files = [
            [line("e1", minute: 10), line("e2", minute: 11, kind: "data"), line("e3", minute: 12, spaced: true)],
            [line("e4", minute: 40, kind: "process"), line("e5", minute: 41)],
        ]
        let tick = Timestamp(rfc3339: "2026-11-20T08:30:00Z")!
        let store = try sandbox.store()
        let log = try #require(store as? any EventLog)
        let decoder = EventDecoder(defaultKind: .process)
        for (index, lines) in files.enumerated() {
            if index == 1 { _ = try log.appendTick(at: tick) }
            let events = try lines.map { LoggedEvent(event: try decoder.decode(line: Array($0.utf8), lineNumber: 1).get(), text: $0) }
            _ = try log.append(LoggedFile(node: "n1", spool: "steps", name: "f\(index).jsonl", digest: "d\(index)"), events: events)
        }
        let exportedLines = [
            [withKind(files[0][0]), files[0][1], withKind(files[0][2])],
            [files[1][0], withKind(files[1][1])],
        ]

        let exported = sandbox.directory.appendingPathComponent("export")
        let run = try sandbox.runToEnd(["log", "export", "--output", exported.path])
        #expect(run.status == 0, "\(run.error)")
        let names = ["log-000000000001.jsonl", "log-000000000005.jsonl"]
        #expect(run.output == "contextd replay \(exported.appendingPathComponent(names[0]).path) \(tick.rfc3339) "
            + "\(exported.appendingPathComponent(names[1]).path)\n")
        for (name, lines) in zip(names, exportedLines) {
            let text = try String(contentsOf: exported.appendingPathComponent(name), encoding: .utf8)
            #expect(text == lines.joined(separator: "\n") + "\n", "\(name)")
        }
        let stream = try sandbox.runToEnd(["log", "export"])
        #expect(stream.output == (exportedLines[0] + [#"{"contextd_clock_step":"\#(tick.rfc3339)"}"#] + exportedLines[1])
            .joined(separator: "\n") + "\n")

        // replay of the export: the events with the kinds the log has, as the original files
        // with every kind written out give them.
        let explicit = sandbox.directory.appendingPathComponent("explicit")
        try FileManager.default.createDirectory(at: explicit, withIntermediateDirectories: true)
        let originals = [
            [line("e1", minute: 10, kind: "process"), line("e2", minute: 11, kind: "data"), line("e3", minute: 12, kind: "process")],
            [line("e4", minute: 40, kind: "process"), line("e5", minute: 41, kind: "process")],
        ].enumerated().map { index, lines in
            let url = explicit.appendingPathComponent("f\(index).jsonl")
            try? (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let fromExport = try sandbox.replay(names.map { exported.appendingPathComponent($0).path }, steps: [1: tick])
        let fromOriginals = try sandbox.replay(originals, steps: [1: tick])
        #expect(fromExport == fromOriginals)
        let whats = try fromExport.map { task in
            try #require(try JSONSerialization.jsonObject(with: Data(task.utf8)) as? [String: Any])["what"] as? String
        }
        #expect(whats == ["e1 is process", "e2 is data", "e3 is process", "e4 is process", "e5 is process"])
    }

    @Test func aSQLiteStoreIsRefusedWithTheReason() throws {
        let sandbox = try DaemonSandbox()
        let run = try sandbox.runToEnd(["log", "export"])
        #expect(run.status == 78)
        #expect(run.output == "")
        #expect(run.error.hasPrefix("contextd: the event log needs PostgreSQL: the store at "), "\(run.error)")
    }
}
