import ContextdEngine
import Yams

extension RuleSetBuilder {
    static let limitFields = ["evaluation_budget"]

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
            guard let steps = Int(text.filter { $0 != "_" }), steps >= 1000 else {
                log.report(file.diagnostic(at: value, length: text.count,
                    "limits.evaluation_budget must be a whole number of steps of at least 1000, got '\(text)' "
                        + "(the default is \(RuleSet.defaultEvaluationBudget))"))
                continue
            }
            evaluationBudget = (steps, file.path, line)
        }
    }
}
