import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdRules
import Foundation
import Testing

/// Runs the real replay path (rule files from disk, event files through the streaming reader)
/// the way `contextd replay` does.
enum ReplayHarness {
    static func loadRules(_ paths: [String] = [RepositoryPaths.rules]) throws -> RuleSet {
        switch RuleLoader.load(paths: paths) {
        case .success(let ruleSet): return ruleSet
        case .failure(let failure):
            Issue.record("rules did not load:\n\(failure.description)")
            throw CancellationError()
        }
    }

    static func replay(_ files: [String], rules: RuleSet, until: Timestamp? = nil) throws -> Replay {
        let replay = Replay(ruleSet: rules)
        for file in files {
            let reader = try #require(EventFileReader(path: file))
            replay.apply(file: reader)
        }
        replay.finish(until: until)
        return replay
    }

    /// Events written inline in a test, one JSON object per line, through the same decoder.
    static func events(_ lines: [String]) throws -> [Event] {
        try lines.enumerated().map { index, line in
            try EventDecoder().decode(line: Array(line.utf8), lineNumber: index + 1).get()
        }
    }
}
