import ArgumentParser
import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdRules
import Foundation

/// `contextd diff --rules OLD --rules NEW FILE…`: the impact of a rule change. Replays the same
/// events through both rule sets and reports the tasks that appear, disappear or change.
///
/// Exit status like `diff(1)`: 0 when both rule sets make the same tasks, 1 when they differ;
/// 78 when either rule set does not load, 2 on usage errors.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Replay the same events through two rule sets and report the tasks that appear, disappear or change.",
        discussion: """
            Give --rules twice: the rules in force (OLD) first, the edited ones (NEW) second. A task \
            changes when both rule sets make it (same id) with a different priority, not_before, \
            assignee, where, expires_at or deferred_by. Exit status: 0 no differences, 1 differences, \
            2 usage error, 78 a rule set does not load.
            """
    )

    @Option(name: .customLong("rules"),
        help: ArgumentHelp("A rule directory or file; give it twice: OLD, then NEW.", valueName: "path"))
    var rules: [String] = []

    @Option(help: "Advance the virtual clock to this RFC 3339 time at the end, firing due timers.")
    var until: String?

    @Option(help: "At most this many example tasks per rule and kind of difference.")
    var examples = 3

    @Option(help: "Output format: text (for people) or json (for tools).")
    var format: String = "text"

    @Option(help: "Format of standard input ('-'): jsonl or json.")
    var stdinFormat: String = "jsonl"

    @Argument(help: "Event files (.json, .jsonl, .ndjson); '-' for standard input.")
    var files: [String] = []

    func validate() throws {
        if rules.count != 2 {
            throw ValidationError("give --rules exactly twice, the old rules first: "
                + "contextd diff --rules OLD --rules NEW FILE… (got \(rules.count))")
        }
        if files.isEmpty { throw ValidationError("give at least one event file, or '-' for standard input") }
        if let until, Timestamp(rfc3339: until) == nil {
            throw ValidationError("--until must be an RFC 3339 time such as 2026-11-30T00:00:00Z, got '\(until)'")
        }
        if examples < 0 { throw ValidationError("--examples must be 0 or more, got \(examples)") }
        if !["text", "json"].contains(format) {
            throw ValidationError("--format must be text or json, got '\(format)'")
        }
        if !["jsonl", "json"].contains(stdinFormat) { throw ValidationError("--stdin-format must be jsonl or json") }
    }

    func run() throws {
        let old = load(rules[0], as: "old")
        let new = load(rules[1], as: "new")
        guard let old, let new else { throw ExitStatus.configuration }
        let readers = try eventReaders()
        let time = until.flatMap { Timestamp(rfc3339: $0) }
        let pair = ReplayPair(old: old, new: new)
        let progressLine = ProgressLine.start(paths: readers.map(\.path))
        for var reader in readers {
            reader.progress = progressLine?.progress
            pair.apply(file: reader)
            progressLine?.progress.fileDone()
        }
        pair.finish(until: time)
        progressLine?.stop()
        reportProblems(of: pair)
        let report = ComparisonReport(pair: pair, oldLabel: rules[0], newLabel: rules[1], files: files.count,
            until: time, examples: examples)
        let output = format == "json" ? report.json + "\n" : report.text
        FileHandle.standardOutput.write(Data(output.utf8))
        if report.comparison.hasDifferences { throw ExitStatus.failureFound }
    }

    /// The rule set at `path`, or nil after printing every located error under a header that
    /// says which side failed.
    private func load(_ path: String, as side: String) -> RuleSet? {
        switch RuleLoader.load(paths: [path]) {
        case .success(let ruleSet): return ruleSet
        case .failure(let failure):
            let count = failure.diagnostics.count
            let errors = "\(count) error\(count == 1 ? "" : "s")"
            StandardError.write("error: the \(side) rules (\(path)) do not load: \(errors)")
            for diagnostic in failure.diagnostics { StandardError.write(diagnostic.description) }
            return nil
        }
    }

    private func eventReaders() throws -> [EventFileReader] {
        try EventFileArguments.readers(files, stdinFormat: stdinFormat)
    }

    /// Rejected input (the same for both sides) and run-time rule errors (per side), on stderr.
    private func reportProblems(of pair: ReplayPair) {
        for (file, rejection) in pair.rejected {
            StandardError.write("\(file):\(rejection.line): rejected: \(rejection.error)")
        }
        for (file, reason) in pair.rejectedFiles { StandardError.write("\(file): rejected file: \(reason)") }
        for (side, replay) in [("old", pair.old), ("new", pair.new)] {
            for fault in replay.engine.faults.prefix(20) {
                StandardError.write("warning: \(side) rules: rule '\(fault.rule)'"
                    + "\(fault.eventID.map { " on event \($0)" } ?? ""): \(fault.message)")
            }
        }
    }
}
