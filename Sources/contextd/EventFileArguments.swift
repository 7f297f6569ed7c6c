import ArgumentParser
import ContextdEvents
import ContextdReplay
import Foundation

/// The event files named on a command line (`replay`, `diff`), checked before any work: an
/// unknown extension or a missing file is a usage error (exit 2), said in one line.
enum EventFileArguments {
    /// One argument of `replay`: a file to read, or an RFC 3339 time the clock advances to
    /// between two files (firing due timers), as the daemon's clock follows the wall clock when
    /// its spools are drained. A time names no file: event files end in `.json`, `.jsonl` or
    /// `.ndjson`.
    enum Step {
        case file(EventFileReader)
        case advance(Timestamp)
        /// `rules=PATH`: the rules change here to those under PATH (a cluster's change of
        /// rules at one log position, as `contextd log export` writes it).
        case rules(path: String)

        /// The file read, for the progress line's total.
        var path: String? {
            if case .file(let reader) = self { reader.path } else { nil }
        }
    }

    static func steps(_ arguments: [String], stdinFormat: String) throws -> [Step] {
        try arguments.map { argument in
            if EventStreamDecoder.Format.forFileName(argument) == nil, let time = Timestamp(rfc3339: argument) {
                return .advance(time)
            }
            if argument.hasPrefix(rulesPrefix) {
                let path = String(argument.dropFirst(rulesPrefix.count))
                guard FileManager.default.fileExists(atPath: path) else {
                    StandardError.write("\(argument): error: no rules at '\(path)'")
                    throw ExitStatus.usage
                }
                return .rules(path: path)
            }
            return .file(try readers([argument], stdinFormat: stdinFormat)[0])
        }
    }

    /// What starts a `rules=PATH` argument.
    static let rulesPrefix = "rules="

    static func readers(_ files: [String], stdinFormat: String) throws -> [EventFileReader] {
        try files.map { file in
            let format: EventStreamDecoder.Format? = file == "-" ? (stdinFormat == "json" ? .json : .jsonLines) : nil
            guard let reader = EventFileReader(path: file, format: format) else {
                StandardError.write("\(file): error: not an event file (expected .json, .jsonl or .ndjson)")
                throw ExitStatus.usage
            }
            guard file == "-" || FileManager.default.isReadableFile(atPath: file) else {
                StandardError.write("\(file): error: no such file or not readable")
                throw ExitStatus.usage
            }
            return reader
        }
    }
}
