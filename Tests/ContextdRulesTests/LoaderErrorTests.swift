import ContextdRules
import Testing

/// Single mistakes in otherwise valid files, one per case, with the exact message.
@Suite struct LoaderErrorTests {
    static let cases: [(yaml: String, position: String, message: String)] = [
        ("rules: {}", "1:8", "'rules' must be a list (each item starting with '- ')"),
        ("rulez: []", "1:1", "unknown field 'rulez' in a rule file; did you mean 'rules'?"),
        ("context:\n  x:\n    kind: count\n    on: [a]\n", "3:5", "context 'x' is missing required field 'window'"),
        ("context:\n  x:\n    kind: latest\n    on: [a]\n    size: 3\n", "5:5", "'size' does not apply to a latest context"),
        ("context:\n  x:\n    kind: history\n    on: [a]\n    size: 0\n", "5:11", "'size' of context 'x' must be a whole number from 1 to 10000"),
        ("context:\n  x:\n    kind: sum\n    on: [a]\n    window: 1h\n", "3:5", "context 'x' of kind sum needs a 'value'"),
        ("scorers:\n  s:\n    kind: neural\n    features: {}\n", "3:11", "unknown scorer kind 'neural'"),
        ("macros:\n  m: 1 +\n", "2:9", "expected an expression"),
        ("rules:\n  - id: r\n    on: [a]\n    when: 1 + 1\n    task: {assignee: a, where: b, what: c, why: d, priority: 1}\n",
         "4:11", "'when' of rule 'r': expected bool, got number"),
        ("rules:\n  - id: r\n    task: {assignee: a, where: b, what: c, why: d, priority: 1}\n", "2:5",
         "rule 'r' never runs: give it event types under 'on' or a 'timer'"),
        ("rules:\n  - id: r\n    on: [a]\n    for_each: {x: 5}\n    task: {assignee: a, where: b, what: c, why: d, priority: 1}\n",
         "4:19", "'for_each' of rule 'r' must be a list, but it is number"),
        ("policies:\n  - id: p\n    kind: expire\n    after: soon\n", "4:12", "'after' in a policy must be a positive duration such as 30m, 12h or 7d, got 'soon'"),
        ("policies:\n  - id: p\n    kind: expire\n    after: 1h\n    when: true\n", "5:5", "'when' does not apply to an expire policy"),
        ("events:\n  a: {due: timestamp}\n", "2:12",
         "field 'due' of 'a' cannot be declared 'timestamp': event data is JSON"),
        ("rules:\n  - id: r\n    on: [a]\n    timer: event.time\n    task: {assignee: a, where: b, what: c, why: d, priority: 1}\n",
         "4:12", "'timer' of rule 'r' (a timer has no 'event': it is computed when context changes): unknown identifier 'event'"),
        // Contact and cooldown policies, and the built-in outcome event type.
        ("policies:\n  - id: p\n    kind: cooldown\n    for: 14d\n    count: 3\n", "5:5",
         "'count' does not apply to a cooldown policy (it takes: for, outcomes)"),
        ("policies:\n  - id: p\n    kind: cooldown\n    outcomes: [rejected, acepted]\n    for: 14d\n", "4:26",
         "unknown outcome 'acepted' in policy 'p'; did you mean 'accepted'? (outcomes: done, accepted, rejected)"),
        ("policies:\n  - id: p\n    kind: cooldown\n    outcomes: []\n    for: 14d\n", "4:15",
         "'outcomes' of policy 'p' must name at least one of done, accepted, rejected"),
        ("policies:\n  - id: p\n    kind: cooldown\n", "2:5", "a policy is missing required field 'for'"),
        ("policies:\n  - id: p\n    kind: contact\n    count: 3\n    per: 1d\n    by: asignee\n", "6:9",
         "'by' of policy 'p' must be assignee or subject, got 'asignee'; did you mean 'assignee'?"),
        ("policies:\n  - id: p\n    kind: contact\n    count: 0\n    per: 1d\n", "4:12",
         "'count' of policy 'p' must be a whole number of at least 1, got '0'"),
        ("policies:\n  - id: p\n    kind: contact\n    count: 3\n", "2:5", "a policy is missing required field 'per'"),
        ("policies:\n  - id: p\n    kind: contact\n    count: 3\n    per: 1d\n    exempt_priority: 120\n", "6:22",
         "'exempt_priority' of policy 'p' must be a priority from 0 to 100, got '120'"),
        ("policies:\n  - id: p\n    kind: contact\n    count: 3\n    per: 1d\n    exempt_priorty: 90\n", "6:5",
         "unknown field 'exempt_priorty' in a policy; did you mean 'exempt_priority'?"),
        ("policies:\n  - id: p\n    kind: contact\n    count: 3\n    per: 1d\n    for: 1d\n", "6:5",
         "'for' does not apply to a contact policy (it takes: by, count, exempt_priority, per)"),
        ("events:\n  contextd.task.outcome: {rule: string}\n", "2:3",
         "event type 'contextd.task.outcome' is built in (its data: task, rule, assignee, outcome, note)"),
        ("rules:\n  - id: r\n    on: [contextd.task.outcom]\n"
            + "    task: {assignee: a, where: b, what: c, why: d, priority: 1}\n",
         "3:10", "unknown event type 'contextd.task.outcom'; did you mean 'contextd.task.outcome'?"),
        ("rules:\n  - id: r\n    on: [contextd.task.outcome]\n    when: event.data.outcom == 'rejected'\n"
            + "    task: {assignee: a, where: b, what: c, why: d, priority: 1}\n",
         "4:22", "unknown field 'outcom' on event.data; did you mean 'outcome'?"),
    ]

    @Test(arguments: cases) func reportsTheMistake(_ yaml: String, _ position: String, _ message: String) throws {
        let result = RuleLoader.load([RuleSource(path: "t.yaml", text: yaml)])
        guard case .failure(let failure) = result else {
            Issue.record("loaded without errors: \(yaml)")
            return
        }
        let rendered = failure.diagnostics.map { "\($0.line):\($0.column) \($0.message)" }
        #expect(rendered.contains { $0.hasPrefix(position + " ") && $0.contains(message) }, "\(rendered)")
    }
}
