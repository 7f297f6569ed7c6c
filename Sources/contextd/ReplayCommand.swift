import ArgumentParser
import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdRules
import Foundation

/// `contextd replay`: evaluate event files in memory on the virtual clock and print each task
/// once, as a JSON line, in its final form.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Evaluate event files in memory (no daemon state) and print the tasks as JSON lines."
    )

    @Option(help: "Directory (or file) of rules.")
    var rules: String = "rules"

    @Option(help: "Advance the virtual clock to this RFC 3339 time at the end, firing due timers.")
    var until: String?

    @Option(help: ArgumentHelp(
        "How far behind the clock an event may be and still be applied in its own time (the daemon's "
            + "limits.allowed_lateness); older events are reported as late and not applied.",
        valueName: "duration"))
    var allowedLateness: String = "7d"

    @Flag(help: "Print a JSON summary on stderr, with figures per rule.")
    var stats = false

    @Flag(help: ArgumentHelp(
        "Explain each task: its trigger, each condition's value, the context and let values used, "
            + "score contributions and every policy step.",
        discussion: "Written on stderr (or to --explain-file); stdout keeps only the task JSON lines."))
    var explain = false

    @Flag(help: ArgumentHelp(
        "Explain what produced no task: each evaluation held back by a condition, stopped by a policy or failed, "
            + "each event no rule runs on, and a per-rule decision funnel."))
    var funnel = false

    @Option(help: "Format of --explain and --funnel: text (the default) or json (one JSON object per line).")
    var explainFormat: String?

    @Option(help: "Write --explain and --funnel to this file instead of stderr.")
    var explainFile: String?

    @Option(help: "Format of standard input ('-'): jsonl or json.")
    var stdinFormat: String = "jsonl"

    @Argument(help: ArgumentHelp(
        "Event files (.json, .jsonl, .ndjson); '-' for standard input.",
        discussion: "An RFC 3339 time between two files advances the clock there, firing due timers: "
            + "the daemon's clock follows the wall clock whenever its spools are drained, so a daemon's run is "
            + "replayed as its files in the order it took them, with its clock's advances between them. "
            + "rules=DIR between two files evaluates what follows with the rules under DIR (context of "
            + "declarations that stay is kept): a cluster's change of rules at one log position, as "
            + "`contextd log export --output` writes it."))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one event file, or '-' for standard input") }
        if let until, Timestamp(rfc3339: until) == nil {
            throw ValidationError("--until must be an RFC 3339 time such as 2026-11-30T00:00:00Z, got '\(until)'")
        }
        if TimeSpan(parsing: allowedLateness).map({ $0.milliseconds < 0 }) ?? true {
            throw ValidationError("--allowed-lateness must be a duration such as 7d or 36h, got '\(allowedLateness)'")
        }
        if !["jsonl", "json"].contains(stdinFormat) { throw ValidationError("--stdin-format must be jsonl or json") }
        if let explainFormat, !["text", "json"].contains(explainFormat) {
            throw ValidationError("--explain-format must be text or json")
        }
        if (explainFormat != nil || explainFile != nil) && !(explain || funnel) {
            throw ValidationError("--explain-format and --explain-file go with --explain or --funnel")
        }
    }

    func run() throws {
        let ruleSet: RuleSet
        switch RuleLoader.load(paths: [rules]) {
        case .success(let loaded): ruleSet = loaded
        case .failure(let failure):
            let diagnostics = failure.diagnostics
            for diagnostic in diagnostics { StandardError.write(diagnostic.description) }
            throw ExitStatus.configuration
        }
        let steps = try EventFileArguments.steps(files, stdinFormat: stdinFormat)
        let started = DispatchTime.now().uptimeNanoseconds
        let replay = Replay(ruleSet: ruleSet, allowedLateness: TimeSpan(parsing: allowedLateness) ?? .days(7))
        if stats { replay.engine.monotonicClock = { DispatchTime.now().uptimeNanoseconds } }
        if explain || funnel { replay.recorder = DecisionRecorder(scope: funnel ? .everything : .tasks) }
        let progressLine = ProgressLine.start(paths: steps.compactMap(\.path))
        for step in steps {
            switch step {
            case .file(var reader):
                reader.progress = progressLine?.progress
                replay.apply(file: reader)
                progressLine?.progress.fileDone()
            case .advance(let time): replay.advance(to: time)
            case .rules(let path):
                switch RuleLoader.load(paths: [path]) {
                case .success(let loaded): replay.replace(ruleSet: loaded)
                case .failure(let failure):
                    for diagnostic in failure.diagnostics { StandardError.write(diagnostic.description) }
                    throw ExitStatus.configuration
                }
            }
        }
        replay.finish(until: until.flatMap { Timestamp(rfc3339: $0) })
        progressLine?.stop()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        var output = ""
        for task in replay.tasks { output += task.json + "\n" }
        FileHandle.standardOutput.write(Data(output.utf8))
        if let recorder = replay.recorder {
            let report = ExplainReport(recorder: recorder, includesTasks: explain, includesFunnel: funnel,
                scorers: ruleSet.scorers)
            try write(explanation: explainFormat == "json" ? report.jsonLines : report.text)
        }
        for (file, rejection) in replay.rejected {
            StandardError.write("\(file):\(rejection.line): rejected: \(rejection.error)")
        }
        for (file, line, time) in replay.late {
            StandardError.write("\(file):\(line): late: \(time.rfc3339) is more than \(replay.engine.allowedLateness) "
                + "behind the clock; not applied (--allowed-lateness)")
        }
        for (file, reason) in replay.rejectedFiles { StandardError.write("\(file): rejected file: \(reason)") }
        for fault in replay.engine.faults.prefix(20) {
            StandardError.write("warning: rule '\(fault.rule)'\(fault.eventID.map { " on event \($0)" } ?? ""): \(fault.message)")
        }
        if stats { StandardError.write(ReplayStatistics(replay: replay, seconds: seconds).json) }
    }

    /// Writes the explanation to `--explain-file`, or to stderr.
    private func write(explanation: String) throws {
        guard let explainFile else {
            FileHandle.standardError.write(Data(explanation.utf8))
            return
        }
        do {
            try Data(explanation.utf8).write(to: URL(fileURLWithPath: explainFile))
        } catch {
            StandardError.write("\(explainFile): error: cannot write the explanation: \(error.localizedDescription)")
            throw ExitStatus.usage
        }
    }
}
