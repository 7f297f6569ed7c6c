public import ContextdEngine
import ContextdEvents
import ContextdExpressions
import Yams

/// Turns rule files into a checked `RuleSet`, or into every error they contain.
///
/// Sections (any file may hold any of them; names are global across files):
/// `limits` (the evaluation budget), `events` (schemas of event data, so typos in
/// `event.data.x` are caught), `lists`, `macros`, `context`, `scorers`, `rules`, `policies`. They are read in that order, so a rule can use a
/// macro or context declared in any file.
public enum RuleLoader {
    public static func load(_ sources: [RuleSource]) -> Result<RuleSet, RuleDiagnostics> {
        let builder = RuleSetBuilder(sources: sources)
        return builder.build()
    }

    /// Loads the rule files found under `paths` (see `RuleSource.load(paths:)`).
    public static func load(paths: [String]) -> Result<RuleSet, RuleDiagnostics> {
        check(paths: paths).result
    }

    /// Loads the rule files under `paths`, with the warnings of the load: what `check` prints,
    /// such as a defer that holds a rule's tasks past their expiry.
    public static func check(paths: [String]) -> (result: Result<RuleSet, RuleDiagnostics>, warnings: [Diagnostic]) {
        do {
            let builder = RuleSetBuilder(sources: try RuleSource.load(paths: paths))
            let result = builder.build()
            return (result, builder.warnings)
        } catch {
            return (.failure(RuleDiagnostics([error])), [])
        }
    }
}

/// The state of one load: files, what has been declared so far, and the diagnostics.
final class RuleSetBuilder {
    static let sections = [
        "description", "limits", "events", "lists", "macros", "context", "scorers", "rules", "policies",
    ]

    let log: DiagnosticLog
    var sections: [(file: RuleFile, reader: MappingReader)] = []
    /// Data field types per declared event type.
    var eventSchemas: [String: [String: ValueType]] = [:]
    var base = Environment()
    var contexts: [ContextDeclaration] = []
    var contextType = RecordType(name: "context", fields: [:], isOpen: false)
    var scorers: [String: Scorer] = [:]
    var scoreType = RecordType(name: "score", fields: [:], isOpen: false)
    var rules: [Rule] = []
    var ruleNodes: [String: (file: String, line: Int)] = [:]
    var policies: [TaskPolicy] = []
    /// Each policy's mapping, by id, for checks that need its text after it is read.
    var policyReaders: [String: MappingReader] = [:]
    /// What may be wrong but is not an error (`check` prints them; the load succeeds).
    var warnings: [Diagnostic] = []
    var foldScope: EvaluationScope?
    /// `limits.evaluation_budget`, when a file sets it.
    var evaluationBudget: (steps: Int, file: String, line: Int)?

    init(log: DiagnosticLog) {
        self.log = log
    }

    convenience init(sources: [RuleSource]) {
        self.init(log: DiagnosticLog())
        for file in RuleFile.parseAll(sources, log: log) {
            guard let root = file.root else { continue }
            if let reader = MappingReader(root, file: file, log: log, what: "a rule file", allowed: Self.sections) {
                sections.append((file, reader))
            }
        }
    }

    func build() -> Result<RuleSet, RuleDiagnostics> {
        readLimits()
        readEvents()
        readLists()
        readMacros()
        readContexts()
        readScorers()
        readRules()
        readPolicies()
        checkDeferralsAgainstExpiry()
        guard log.isEmpty, let foldScope else {
            let sorted = log.diagnostics.enumerated().sorted {
                ($0.element.file, $0.element.line, $0.element.column, $0.offset)
                    < ($1.element.file, $1.element.line, $1.element.column, $1.offset)
            }
            return .failure(RuleDiagnostics(sorted.map(\.element)))
        }
        return .success(RuleSet(contexts: contexts, scorers: scorers, rules: rules, policies: policies,
            foldScope: foldScope, evaluationBudget: evaluationBudget?.steps ?? RuleSet.defaultEvaluationBudget))
    }

    /// Each `(file, key node, value node)` of a top-level mapping section across all files.
    func entries(of section: String) -> [(file: RuleFile, key: String, keyNode: Node, value: Node)] {
        var result: [(RuleFile, String, Node, Node)] = []
        for (file, reader) in sections {
            guard let node = reader[section] else { continue }
            guard case .mapping(let mapping) = node else {
                log.report(file.diagnostic(at: node, "'\(section)' must be a mapping of names to definitions"))
                continue
            }
            for (key, value) in mapping { if let name = key.string { result.append((file, name, key, value)) } }
        }
        return result
    }

    /// Each item of a top-level list section (`rules`, `policies`) across all files.
    func items(of section: String) -> [(file: RuleFile, node: Node)] {
        var result: [(RuleFile, Node)] = []
        for (file, reader) in sections {
            guard let node = reader[section] else { continue }
            guard case .sequence(let sequence) = node else {
                log.report(file.diagnostic(at: node, "'\(section)' must be a list (each item starting with '- ')"))
                continue
            }
            for item in sequence { result.append((file, item)) }
        }
        return result
    }

    /// Reports a name defined twice, pointing at both places.
    func checkUnique(_ name: String, kind: String, at node: Node, in file: RuleFile,
        seen: inout [String: (file: String, line: Int)]) -> Bool
    {
        if let first = seen[name] {
            log.report(file.diagnostic(at: node, length: name.count,
                "\(kind) '\(name)' is already defined at \(first.file):\(first.line)"))
            return false
        }
        seen[name] = (file.path, node.mark?.line ?? 1)
        return true
    }
}
