import ArgumentParser
import ContextdEvents
import ContextdReplay
import Foundation

/// The event files named on a command line (`replay`, `diff`), checked before any work: an
/// unknown extension or a missing file is a usage error (exit 2), said in one line.
enum EventFileArguments {
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
