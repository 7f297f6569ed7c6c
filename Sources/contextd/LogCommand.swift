import ArgumentParser
import ContextdDaemon
import ContextdEvents
import ContextdStore
import Foundation

/// `contextd log …`: the cluster's event log in PostgreSQL (docs/decisions/0018-several-nodes.md §1).
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "The event log of a store on PostgreSQL: the order in which the cluster took its events.",
        subcommands: [LogExportCommand.self]
    )
}

/// `contextd log export --config F [--after POS] [--output DIR]`: the log, in position order,
/// as something `contextd replay` reads as it is — the reference every run must equal.
///
/// Events are written as the producer's own text (one line each; a batch element's line breaks,
/// whitespace between JSON tokens, become spaces), with `"kind":"<kind>",` inserted after the
/// opening `{` when the text lacks the kind its spool gave it (``LogEntry/exportLine``). A tick
/// is a clock step, and `replay` takes clock steps as RFC 3339 arguments between files: so with
/// `--output` the log is cut into one
/// file per run of events between ticks, and the command prints the `replay` arguments (files
/// and times in log order). Without it, the log goes to stdout as one stream, each tick a line
/// `{"contextd_clock_step":"<RFC 3339>"}`, to read or keep.
///
/// A change of the cluster's rules (a `rules` entry, decision 0018 §4) is, with `--output`, the
/// argument `rules=DIR/rules-<fingerprint>` with the rule files written there, and on the stream
/// a line `{"contextd_rules":"<fingerprint>"}`. The rules in force at the first entry are written
/// to `DIR/rules-<fingerprint>` too (named on stderr), and when the rules changed within the
/// export the printed command starts with them as `--rules`.
struct LogExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the event log as JSON Lines, in position order, each event with its kind.",
        discussion: """
            With --output DIR: one file per run of events between two clock steps (ticks), named \
            after its first position (log-000000000001.jsonl …), and on stdout the arguments that \
            replay the log: `contextd replay FILE TIME FILE …` (add --rules and --until as for any \
            replay). Where the cluster's rules changed, the arguments hold rules=DIR/rules-<fingerprint>, \
            those rules' files written there; the rules in force at the first entry are written to \
            DIR/rules-<fingerprint> too (named on stderr), and the command starts with them as --rules \
            when the rules changed within the export. Without --output: the \
            whole log on stdout, each tick as a line {"contextd_clock_step":"<RFC 3339>"}, each change \
            of rules as {"contextd_rules":"<fingerprint>"}. Events are the producers' own text, one per line; an \
            event whose text has no `kind` attribute and whose spool's configured kind is not `data` (the \
            kind replay assumes) gets "kind":"<kind>", inserted right after its opening {, the rest of \
            the producer's bytes unchanged, so that replay decodes the event the cluster evaluated. \
            Exit 78 when the store is SQLite (the event log needs PostgreSQL) or cannot be opened.
            """
    )

    @Option(name: .long, help: "The daemon's configuration file (default: the embedded default's ./var).")
    var config: String?

    @Option(name: .long, help: "Export the entries after this position (default 0: the whole log).")
    var after: Int64 = 0

    @Option(name: .long, help: "A directory to write the log into, cut at its clock steps, for `contextd replay`.")
    var output: String?

    func run() throws {
        let configuration = try ConfigurationArgument.load(config)
        let location = configuration.store
        guard case .postgresql = location else {
            StandardError.write("""
                contextd: the event log needs PostgreSQL: the store at \(location) is SQLite, which keeps no log \
                (a single node evaluates its spool files directly); set `store: postgresql://…` to run with one
                """)
            throw ExitStatus.configuration
        }
        let store: any DaemonStore
        do {
            store = try location.openForReading()
        } catch {
            StandardError.write("contextd: cannot open the store at \(location): \(error)")
            throw ExitStatus.configuration
        }
        defer { store.close() }
        guard let log = store as? any EventLog else {
            StandardError.write("contextd: the store at \(location) keeps no event log")
            throw ExitStatus.configuration
        }
        let cluster = store as? any ClusterMembership
        var sink: any LogExportSink = StreamSink()
        var position = after
        do {
            let first = try log.firstPosition()
            if let output {
                // The rules in force at the first entry exported (after a pruning, the first left):
                // the `--rules` of the replay.
                let rules = try cluster?.rulesInForce(after: max(after, first - 1)).flatMap {
                    try DirectorySink.writeRules($0, into: output, files: { try cluster?.ruleSetFiles($0) })
                }
                if let rules {
                    StandardError.write("contextd: the cluster's rules in force at the first entry are in \(rules)")
                }
                sink = DirectorySink(directory: output, firstRules: rules, ruleFiles: { try cluster?.ruleSetFiles($0) })
            }
            if first > after + 1 {
                // Pruned (`cluster.log_retention`): the export starts at the first entry left.
                StandardError.write("""
                    contextd: the log starts at position \(first): the entries up to \(first - 1) were pruned \
                    (cluster.log_retention). `replay` of this export starts from an empty state, so it equals the \
                    cluster only for what no pruned entry touched; export before pruning (or raise the retention) for \
                    a reference of the whole run
                    """)
            }
            while true {
                let entries = try log.entries(after: position, limit: 1000)
                guard let last = entries.last else { break }
                for entry in entries { try sink.write(entry) }
                position = last.position
            }
            try sink.finish()
        } catch let error as ExitCode {
            throw error
        } catch {
            StandardError.write("contextd: cannot export the event log of \(location): \(error)")
            throw ExitStatus.configuration
        }
    }
}

/// Where the export's entries go.
protocol LogExportSink {
    mutating func write(_ entry: LogEntry) throws
    mutating func finish() throws
}

/// The whole log on stdout, ticks as clock-step lines.
struct StreamSink: LogExportSink {
    mutating func write(_ entry: LogEntry) throws {
        FileHandle.standardOutput.write(Data((entry.exportLine + "\n").utf8))
    }

    mutating func finish() throws {}
}

/// The log cut at its ticks into files of a directory, and `replay`'s arguments on stdout.
struct DirectorySink: LogExportSink {
    let directory: String
    /// The folder of the rules in force at the first entry, written already.
    let firstRules: String?
    /// The files of the rule set kept under a fingerprint (decision 0018 §4).
    let ruleFiles: (String) throws -> [RuleFileText]?
    /// The file being written and its lines; nil between a tick and the next event.
    private var current: (path: String, lines: [UInt8])?
    private var arguments: [String] = []
    /// Whether the cluster's rules changed within the export.
    private var switched = false

    init(
        directory: String, firstRules: String? = nil, ruleFiles: @escaping (String) throws -> [RuleFileText]? = { _ in nil }
    ) {
        self.directory = directory
        self.firstRules = firstRules
        self.ruleFiles = ruleFiles
    }

    mutating func write(_ entry: LogEntry) throws {
        if entry.kind == .tick {
            try close()
            arguments.append(entry.time.rfc3339)
            return
        }
        if entry.kind == .rules {
            // The cluster's rules change here: `rules=DIR` between the files, DIR their files.
            try close()
            let fingerprint = entry.body ?? ""
            guard let folder = try Self.writeRules(fingerprint, into: directory, files: ruleFiles) else {
                throw ExportFailure(reason: """
                    position \(entry.position) changes the cluster's rules to \(fingerprint), whose files the store does \
                    not keep: no replay can follow this change
                    """)
            }
            arguments.append(EventFileArguments.rulesPrefix + folder)
            switched = true
            return
        }
        if current == nil {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let name = "log-" + String(repeating: "0", count: max(0, 12 - String(entry.position).count))
                + String(entry.position) + ".jsonl"
            current = ((directory as NSString).appendingPathComponent(name), [])
        }
        current!.lines.append(contentsOf: entry.exportLine.utf8)
        current!.lines.append(0x0A)
    }

    /// Prints `replay`'s arguments; when the rules changed within the export, they start with
    /// the rules in force at its first entry (`--rules`), which an operator's rules no longer are.
    mutating func finish() throws {
        try close()
        let rules = switched ? firstRules.map { ["--rules", $0] } ?? [] : []
        print((["contextd", "replay"] + (rules + arguments).map(Self.quoted)).joined(separator: " "))
    }

    private mutating func close() throws {
        guard let file = current else { return }
        try Data(file.lines).write(to: URL(fileURLWithPath: file.path))
        arguments.append(file.path)
        current = nil
    }

    /// Writes the rule set of `fingerprint` under `directory/rules-<fingerprint>/`; returns that
    /// folder, or nil when the store keeps no such rule set.
    static func writeRules(_ fingerprint: String, into directory: String, files: (String) throws -> [RuleFileText]?)
        throws -> String?
    {
        guard let files = try files(fingerprint) else { return nil }
        let folder = (directory as NSString).appendingPathComponent("rules-" + fingerprint)
        try RuleSetFolder.write(files, into: folder)
        return folder
    }

    struct ExportFailure: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// A shell word: as it is when it needs no quotes.
    static func quoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "/._-:+=".contains($0) }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
