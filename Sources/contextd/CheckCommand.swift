import ArgumentParser
import ContextdEngine
import ContextdRules

/// `contextd check [PATH…]`: load and type-check rule files, print every error.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate rule files; print every error and warning as file:line:column: error|warning: message."
    )

    @Argument(help: "Rule files or directories (default: ./rules).")
    var paths: [String] = []

    func run() throws {
        let targets = paths.isEmpty ? ["rules"] : paths
        let (result, warnings) = RuleLoader.check(paths: targets)
        // Warnings do not fail the check: the rules load and run as written.
        for warning in warnings { print(warning.description) }
        switch result {
        case .success(let ruleSet):
            print("ok: \(ruleSet.rules.count) rules, \(ruleSet.policies.count) policies, "
                + "\(ruleSet.contexts.count) context declarations, \(ruleSet.scorers.count) scorers")
        case .failure(let failure):
            let diagnostics = failure.diagnostics
            for diagnostic in diagnostics { print(diagnostic.description) }
            print("\(diagnostics.count) error\(diagnostics.count == 1 ? "" : "s")")
            throw ExitStatus.failureFound
        }
    }
}
