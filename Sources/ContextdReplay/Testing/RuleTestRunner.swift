public import ContextdEngine
import ContextdEvents
public import ContextdRules
import Foundation

/// Runs rule unit tests (`contextd test`) through the same `Replay` driver as `contextd
/// replay`, so a test exercises exactly the engine the daemon runs.
public final class RuleTestRunner {
    public private(set) var coverage = RuleCoverage()
    private var ruleSets: [[String]: Result<RuleSet, RuleDiagnostics>] = [:]

    public init() {}

    /// The results of every test in `file`, or the errors of the rules it names.
    public func run(_ file: RuleTestFile) -> Result<[RuleTestResult], RuleDiagnostics> {
        let loaded = ruleSets[file.rulePaths] ?? RuleLoader.load(paths: file.rulePaths)
        ruleSets[file.rulePaths] = loaded
        switch loaded {
        case .failure(let failure): return .failure(failure)
        case .success(let ruleSet):
            coverage.declare(ruleSet)
            return .success(file.tests.map { run($0, ruleSet: ruleSet) })
        }
    }

    private func run(_ test: RuleTest, ruleSet: RuleSet) -> RuleTestResult {
        let started = DispatchTime.now().uptimeNanoseconds
        let replay = Replay(ruleSet: ruleSet)
        let observer = CoverageObserver(coverage)
        replay.engine.observer = observer
        var failures: [String] = []
        if let path = test.eventsFile {
            if let reader = EventFileReader(path: path), FileManager.default.isReadableFile(atPath: path) {
                replay.apply(file: reader)
            } else {
                failures.append("events_file '\(path)' is not a readable .json, .jsonl or .ndjson file")
            }
        }
        for rejection in replay.rejected { failures.append("\(rejection.file):\(rejection.rejection.line): event rejected: \(rejection.rejection.error)") }
        for rejected in replay.rejectedFiles { failures.append("\(rejected.file): \(rejected.reason)") }
        for event in test.events { replay.apply(event) }
        replay.finish(until: test.until)
        failures += compare(test, replay: replay)
        for fault in replay.engine.faults {
            failures.append("rule '\(fault.rule)' failed at run time\(fault.eventID.map { " on event \($0)" } ?? ""): \(fault.message)")
        }
        coverage = observer.coverage
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return RuleTestResult(test: test, failures: failures, tasks: replay.tasks, seconds: seconds)
    }

    /// Each expectation takes the first task it matches that no earlier expectation took.
    private func compare(_ test: RuleTest, replay: Replay) -> [String] {
        var failures: [String] = []
        let actual = replay.tasks.map { ($0, TaskMatcher.outboxValue($0)) }
        var taken = Set<Int>()
        for expectation in test.expectations {
            let candidates = actual.indices.filter { !taken.contains($0) }
            if let index = candidates.first(where: { TaskMatcher.mismatches(expectation, actual[$0].1).isEmpty }) {
                taken.insert(index)
                continue
            }
            let wanted = "{" + expectation.fields.map { "\($0.name): \($0.matcher)" }.joined(separator: ", ") + "}"
            var message = "line \(expectation.line): expected a task \(wanted), but none matched"
            if let closest = candidates.min(by: {
                TaskMatcher.mismatches(expectation, actual[$0].1).count < TaskMatcher.mismatches(expectation, actual[$1].1).count
            }) {
                let task = actual[closest].0
                message += "\n    closest: \(task.id) (rule \(task.rule), subject \(task.subject)):"
                for mismatch in TaskMatcher.mismatches(expectation, actual[closest].1) { message += "\n      - " + mismatch }
            } else {
                message += " (no task was produced)"
            }
            failures.append(message)
        }
        if test.exhaustive {
            for index in actual.indices where !taken.contains(index) {
                let task = actual[index].0
                failures.append("unexpected task \(task.id): rule \(task.rule), subject \(task.subject), "
                    + "assignee \(task.assignee), created_at \(task.createdAt.rfc3339)"
                    + (task.notBefore.map { ", not_before \($0.rfc3339)" } ?? ""))
            }
        }
        var usedSuppressions = Set<Int>()
        for expected in test.suppressed {
            let match = replay.suppressed.indices.first { index in
                let candidate = replay.suppressed[index]
                return !usedSuppressions.contains(index) && (expected.rule.map { $0 == candidate.task.rule } ?? true)
                    && (expected.subject.map { $0 == candidate.task.subject } ?? true)
                    && (expected.policy.map { $0 == candidate.policy } ?? true)
            }
            if let match { usedSuppressions.insert(match) } else {
                let stopped = replay.suppressed.map { "\($0.task.rule)/\($0.task.subject) by \($0.policy)" }
                failures.append("line \(expected.line): expected a candidate suppressed"
                    + (expected.rule.map { " of rule \($0)" } ?? "") + (expected.subject.map { " for \($0)" } ?? "")
                    + (expected.policy.map { " by '\($0)'" } ?? "") + "; suppressed were: "
                    + (stopped.isEmpty ? "none" : stopped.joined(separator: ", ")))
            }
        }
        return failures
    }
}

public struct RuleTestResult: Sendable {
    public var test: RuleTest
    public var failures: [String]
    public var tasks: [TaskRecord]
    public var seconds: Double
    public var passed: Bool { failures.isEmpty }
}
