import ContextdEngine
import Yams

extension RuleSetBuilder {
    static let limitFields = ["evaluation_budget"]
    /// At most ten times the default: a budget is what bounds how long one evaluation holds up
    /// the pipeline (and a stop, which waits for the event in hand).
    static let budgetRange = 1000...10_000_000

    /// `limits: {evaluation_budget: 1000000}`: set in the rule set, not in the daemon's
    /// configuration, so that `replay`, `test` and the daemon cut an evaluation at the same step.
    /// At most one file may set it.
    func readLimits() {
        for (file, reader) in sections {
            guard let node = reader["limits"],
                let limits = MappingReader(node, file: file, log: log, what: "'limits'", allowed: Self.limitFields),
                let value = limits["evaluation_budget"], let text = limits.string("evaluation_budget")
            else { continue }
            let line = value.mark?.line ?? 1
            if let first = evaluationBudget {
                log.report(file.diagnostic(at: value, length: text.count,
                    "limits.evaluation_budget is already set at \(first.file):\(first.line); set it in one file"))
                continue
            }
            guard let steps = Int(text.filter { $0 != "_" }), Self.budgetRange.contains(steps) else {
                log.report(file.diagnostic(at: value, length: text.count,
                    "limits.evaluation_budget must be a whole number of steps from \(Self.budgetRange.lowerBound) to "
                        + "\(Self.budgetRange.upperBound), got '\(text)' "
                        + "(the default is \(RuleSet.defaultEvaluationBudget))"))
                continue
            }
            evaluationBudget = (steps, file.path, line)
        }
    }
}
