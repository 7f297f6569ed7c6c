import ContextdEngine
public import ContextdEvents

/// `contextd diff`'s report: a ``RuleSetComparison`` with what was compared (which rule sets,
/// how many events), as text an operator reads in a change review, or as JSON for tools.
public struct ComparisonReport {
    /// One side of the comparison.
    public struct Side {
        /// The rule path as given on the command line.
        public var label: String
        public var rules: Int
        public var policies: Int
        public var tasks: Int
        /// Run-time evaluation errors per rule (a failing condition counts as false).
        public var errors: [String: Int]

        init(label: String, replay: Replay) {
            self.label = label
            rules = replay.engine.ruleSet.rules.count
            policies = replay.engine.ruleSet.policies.count
            tasks = replay.tasks.count
            errors = replay.engine.statistics.rules.compactMapValues { $0.errors > 0 ? $0.errors : nil }
        }
    }

    public var comparison: RuleSetComparison
    public var old: Side
    public var new: Side
    /// Valid events read (duplicates included) and the files they came from.
    public var events: Int
    public var files: Int
    public var until: Timestamp?
    /// At most this many examples per rule and kind of difference.
    public var examples: Int

    public init(pair: ReplayPair, oldLabel: String, newLabel: String, files: Int, until: Timestamp?, examples: Int) {
        comparison = pair.compare()
        old = Side(label: oldLabel, replay: pair.old)
        new = Side(label: newLabel, replay: pair.new)
        events = pair.eventsRead
        self.files = files
        self.until = until
        self.examples = examples
    }

    /// The report as text: what was compared, a table of task counts per rule, then for each
    /// rule with differences up to ``examples`` tasks that appear (`+`), disappear (`-`) and
    /// change (`~`, with each field's old → new value), and a closing summary line.
    public var text: String {
        var lines = [
            "old rules: \(old.label) (\(Self.count(old.rules, "rule")), \(Self.count(old.policies, "policy")))",
            "new rules: \(new.label) (\(Self.count(new.rules, "rule")), \(Self.count(new.policies, "policy")))",
            "events:    \(events) from \(Self.count(files, "file"))"
                + (until.map { ", clock run to \($0.rfc3339)" } ?? ""),
            "",
        ]
        lines += table
        lines += errorLines
        for rule in comparison.rules where rule.hasDifferences { lines += [""] + section(for: rule) }
        lines += ["", summary]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `3 tasks appear, 1 task disappears, none change.` or `no differences: …`.
    public var summary: String {
        guard comparison.hasDifferences else {
            return "no differences: both rule sets make the same \(Self.count(new.tasks, "task"))."
        }
        func part(_ n: Int, _ one: String, _ many: String) -> String {
            n == 0 ? "none \(many)" : "\(Self.count(n, "task")) \(n == 1 ? one : many)"
        }
        return part(comparison.appeared, "appears", "appear") + ", "
            + part(comparison.disappeared, "disappears", "disappear") + ", "
            + part(comparison.changed, "changes", "change") + "."
    }

    private var table: [String] {
        let header = ["rule", "old", "new", "appear", "disappear", "change"]
        var rows = comparison.rules.map { rule in
            [rule.rule, "\(rule.oldTasks)", "\(rule.newTasks)", "\(rule.appeared.count)", "\(rule.disappeared.count)",
                "\(rule.changed.count)"]
        }
        rows.append(["total", "\(old.tasks)", "\(new.tasks)", "\(comparison.appeared)", "\(comparison.disappeared)",
            "\(comparison.changed)"])
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
    }

    private var errorLines: [String] {
        let rules = Set(old.errors.keys).union(new.errors.keys).sorted()
        guard !rules.isEmpty else { return [] }
        return ["", "run-time errors (each skipped an evaluation; details on standard error):"]
            + rules.map { "  \($0): old \(old.errors[$0] ?? 0), new \(new.errors[$0] ?? 0)" }
    }

    private func section(for rule: RuleSetComparison.RuleDifference) -> [String] {
        var counts: [String] = []
        for (n, one, many) in [(rule.appeared.count, "appears", "appear"),
            (rule.disappeared.count, "disappears", "disappear"), (rule.changed.count, "changes", "change")] where n > 0
        {
            counts.append("\(Self.count(n, "task")) \(n == 1 ? one : many)")
        }
        var lines = ["\(rule.rule): \(counts.joined(separator: ", "))"]
        for task in rule.appeared.prefix(examples) { lines += describe(task, mark: "+") }
        lines += more(rule.appeared.count)
        for task in rule.disappeared.prefix(examples) { lines += describe(task, mark: "-") }
        lines += more(rule.disappeared.count)
        for change in rule.changed.prefix(examples) {
            lines.append("  ~ \(change.new.id)  \(change.new.subject)  \(change.new.createdAt.rfc3339)")
            for field in change.fields {
                lines.append("      \(field.field): \(Self.render(field.old)) → \(Self.render(field.new))")
            }
        }
        lines += more(rule.changed.count)
        return lines
    }

    private func describe(_ task: TaskRecord, mark: String) -> [String] {
        var head = "  \(mark) \(task.id)  \(task.subject)  \(task.createdAt.rfc3339)"
        head += "  priority \(Self.render(.number(task.priority)))  \(task.assignee) via \(task.where)"
        if let notBefore = task.notBefore { head += "  not before \(notBefore.rfc3339)" }
        return [head, "      what: \(task.what)", "      why:  \(task.why)"]
    }

    private func more(_ total: Int) -> [String] {
        total > examples ? ["  … and \(total - examples) more (--examples N shows more)"] : []
    }

    /// A field value as an operator reads it: text as is, `null` for unset.
    static func render(_ value: Value) -> String {
        switch value {
        case .string(let text): text
        case .timestamp(let time): time.rfc3339
        default: JSON.encode(value)
        }
    }

    static func count(_ n: Int, _ noun: String) -> String {
        let plural = noun.hasSuffix("y") ? String(noun.dropLast()) + "ies" : noun + "s"
        return "\(n) \(n == 1 ? noun : plural)"
    }
}
