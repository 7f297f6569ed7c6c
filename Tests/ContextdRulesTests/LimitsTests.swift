import ContextdEngine
import ContextdRules
import Testing

/// `limits: {evaluation_budget: N}` in a rule file: read, checked, and set in one file only.
@Suite struct LimitsTests {
    @Test func theBudgetIsReadWithUnderscores() throws {
        let ruleSet = try RuleLoader.load([RuleSource(path: "l.yaml", text: "limits:\n  evaluation_budget: 2_000_000\n")])
            .get()
        #expect(ruleSet.evaluationBudget == 2_000_000)
    }

    @Test func withoutLimitsTheDefaultApplies() throws {
        let ruleSet = try RuleLoader.load([RuleSource(path: "l.yaml", text: "description: none\n")]).get()
        #expect(ruleSet.evaluationBudget == RuleSet.defaultEvaluationBudget)
    }

    static let mistakes: [(files: [String], position: String, message: String)] = [
        (["limits:\n  evaluation_budget: lots\n"], "b.yaml:2:22",
         "limits.evaluation_budget must be a whole number of steps from 1000 to 10000000, got 'lots'"),
        (["limits:\n  evaluation_budget: 10\n"], "b.yaml:2:22", "from 1000 to 10000000, got '10'"),
        (["limits:\n  evaluation_budget: 20_000_000\n"], "b.yaml:2:22", "from 1000 to 10000000, got '20_000_000'"),
        (["limits:\n  evaluation_budgte: 5000\n"], "b.yaml:2:3",
         "unknown field 'evaluation_budgte' in 'limits'; did you mean 'evaluation_budget'?"),
        (["limits:\n  evaluation_budget: 5000\n", "limits:\n  evaluation_budget: 6000\n"], "b.yaml:2:22",
         "limits.evaluation_budget is already set at a.yaml:2; set it in one file"),
    ]

    @Test(arguments: mistakes) func mistakesAreLocated(_ files: [String], _ position: String, _ message: String) {
        let sources = files.enumerated().map { index, text in
            RuleSource(path: files.count == 1 ? "b.yaml" : (index == 0 ? "a.yaml" : "b.yaml"), text: text)
        }
        guard case .failure(let failure) = RuleLoader.load(sources) else {
            Issue.record("loaded without errors: \(files)")
            return
        }
        let rendered = failure.diagnostics.map { "\($0.file):\($0.line):\($0.column) \($0.message)" }
        #expect(rendered.contains { $0.hasPrefix(position + " ") && $0.contains(message) }, "\(rendered)")
    }
}
