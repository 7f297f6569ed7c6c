import ContextdEngine
import ContextdRules
import Testing

/// A large rule set is compiled in shards on every core (`RuleShards`); what comes out must be
/// what one thread gives: every rule in file order, every mistake at its place, a duplicate id
/// reported against the first rule with that id whatever shard each is in.
@Suite struct ManyRulesTests {
    static let count = 300

    /// `count` rules, 4 lines each after the 3-line header; `id` and `when` give rule `index`'s.
    static func rules(id: (Int) -> String = { "rule-\($0)" }, when: (Int) -> String = { _ in "event.data.amount > 10" })
        -> String
    {
        var text = "events:\n  card.transaction: {amount: number}\nrules:\n"
        for index in 0..<count {
            text += "  - id: \(id(index))\n    on: [card.transaction]\n    when: \(when(index))\n"
                + "    task: {assignee: 'queue:test', where: crm_task, what: x, why: y, priority: \(index % 100)}\n"
        }
        return text
    }

    /// The line of rule `index`'s first line (`- id:`), from 1.
    static func line(ofRule index: Int) -> Int { 4 + 4 * index }

    @Test func everyRuleLoadsInFileOrder() throws {
        let ruleSet = try RuleLoader.load([RuleSource(path: "many.yaml", text: Self.rules())]).get()
        #expect(ruleSet.rules.map(\.id) == (0..<Self.count).map { "rule-\($0)" })
        #expect(ruleSet.rules.map(\.order) == Array(0..<Self.count))
    }

    @Test func mistakesInEveryShardAreReportedAtTheirPlace() throws {
        let text = Self.rules(
            id: { $0 == 280 ? "rule-10" : "rule-\($0)" },
            when: { [3, 250].contains($0) ? "event.data.amout > 10" : "event.data.amount > 10" })
        guard case .failure(let failure) = RuleLoader.load([RuleSource(path: "many.yaml", text: text)]) else {
            Issue.record("loaded without errors")
            return
        }
        let rendered = failure.diagnostics.map { "\($0.line) \($0.message)" }
        #expect(rendered == [
            "\(Self.line(ofRule: 3) + 2) 'when' of rule 'rule-3': unknown field 'amout' on event.data; did you mean 'amount'?",
            "\(Self.line(ofRule: 250) + 2) 'when' of rule 'rule-250': unknown field 'amout' on event.data; did you mean 'amount'?",
            "\(Self.line(ofRule: 280)) rule 'rule-10' is already defined at many.yaml:\(Self.line(ofRule: 10))",
        ])
    }
}
