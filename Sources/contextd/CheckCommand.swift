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
            printSeveralNodes(CrossingPlan(ruleSet))
        case .failure(let failure):
            let diagnostics = failure.diagnostics
            for diagnostic in diagnostics { print(diagnostic.description) }
            print("\(diagnostics.count) error\(diagnostics.count == 1 ? "" : "s")")
            throw ExitStatus.failureFound
        }
    }

    /// What reaches across partitions when several nodes share the work (docs/operations.md,
    /// "Several nodes"): every rule, policy and context that is not local, and why. Nothing is
    /// printed for rules that are local throughout.
    private func printSeveralNodes(_ plan: CrossingPlan) {
        let crossings = plan.crossings
        guard !crossings.isEmpty else { return }
        print("on several nodes:")
        for item in crossings {
            let place = item.file.isEmpty ? "" : " (\(item.file))"
            print("  \(item.kind.rawValue) '\(item.id)'\(place): \(item.verdict)")
        }
        let inexact = crossings.count { !$0.verdict.isExact }
        print(inexact == 0
            ? "  every other rule and policy is local; all of them are exact on several nodes"
            : "  \(inexact) not exact on several nodes; every other rule and policy is")
    }
}
