import ArgumentParser
import ContextdReplay
import ContextdRules
import Foundation

/// `contextd test [PATH…]`: rule unit tests, with a virtual clock, an expected-vs-actual diff
/// for each failure, JUnit XML for CI and rule/policy coverage.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule unit tests (*.test.yaml): events in, the tasks expected out."
    )

    @Argument(help: "Test files or folders searched for *.test.yaml (default: ./rules).")
    var paths: [String] = []

    @Option(help: "Also write the results as JUnit XML to this file.")
    var junit: String?

    @Option(help: "Fail when coverage of rules and policies is under this percentage.")
    var coverageMin: Double?

    @Flag(help: "List every coverage item, not just the ones no test exercised.")
    var verbose = false

    func run() throws {
        let files = RuleTestLoader.discover(paths.isEmpty ? ["rules"] : paths)
        if files.isEmpty { throw ValidationError("no *.test.yaml files under \((paths.isEmpty ? ["rules"] : paths).joined(separator: ", "))") }
        let runner = RuleTestRunner()
        var report: [(path: String, results: [RuleTestResult], errors: [Diagnostic])] = []
        var passed = 0
        var failed = 0
        let progressLine = ProgressLine.start(paths: files, unit: "tests")
        for path in files {
            var lines: [String] = []
            let outcome = RuleTestLoader.load(path: path).flatMap { runner.run($0) }
            switch outcome {
            case .failure(let failure):
                lines.append("ERROR \(path): the tests or their rules do not load")
                for diagnostic in failure.diagnostics { lines.append(diagnostic.description) }
                report.append((path, [], failure.diagnostics))
                failed += 1
            case .success(let results):
                for result in results {
                    let time = String(format: "%.1f ms", result.seconds * 1000)
                    if result.passed {
                        passed += 1
                        lines.append("PASS \(path): \(result.test.name) (\(time))")
                    } else {
                        failed += 1
                        lines.append("FAIL \(path):\(result.test.line): \(result.test.name) (\(time))")
                        for failure in result.failures { lines.append("  " + failure) }
                    }
                }
                report.append((path, results, []))
                progressLine?.progress.add(items: results.count)
            }
            if let progressLine {
                progressLine.withLineErased { for line in lines { print(line) } }
                progressLine.progress.add(bytes: ReadProgress.size(of: path) ?? 0)
                progressLine.progress.fileDone()
            } else {
                for line in lines { print(line) }
            }
        }
        progressLine?.stop()
        let coverage = runner.coverage
        let items = coverage.items
        print(String(format: "coverage: %d of %d rule and policy items exercised (%.1f%%)",
            items.filter(\.covered).count, items.count, coverage.percent))
        for item in items where verbose || !item.covered {
            print("  \(item.covered ? "covered  " : "NOT COVERED") \(item.kind) '\(item.name)' \(item.aspect)")
        }
        print("\(passed + failed) tests, \(passed) passed, \(failed) failed")
        if let junit {
            try JUnitReport.xml(report).write(toFile: junit, atomically: true, encoding: .utf8)
        }
        if failed > 0 { throw ExitStatus.failureFound }
        if let coverageMin, coverage.percent < coverageMin {
            print(String(format: "coverage %.1f%% is under the minimum of %.1f%%", coverage.percent, coverageMin))
            throw ExitStatus.failureFound
        }
    }
}
