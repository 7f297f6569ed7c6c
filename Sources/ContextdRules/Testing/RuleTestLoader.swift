public import ContextdEvents
import ContextdExpressions
import Foundation
import Yams

/// Reads rule unit-test files, reporting every mistake with its location like `check` does.
public enum RuleTestLoader {
    static let fileKeys = ["rules", "tests"]
    static let testKeys = ["name", "description", "events_file", "events", "until", "expect", "exhaustive", "suppressed"]
    static let taskFields = [
        "rule", "subject", "assignee", "where", "what", "why", "how", "priority", "created_at", "not_before",
        "expires_at", "deferred_by", "evidence", "tags", "scores", "data",
    ]

    /// Test files under `paths`: files as given, folders searched recursively for `*.test.yaml`.
    public static func discover(_ paths: [String]) -> [String] {
        var found: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                found.append(path)  // reported as missing by load
                continue
            }
            guard isDirectory.boolValue else {
                found.append(path)
                continue
            }
            let enumerator = manager.enumerator(atPath: path)
            while let relative = enumerator?.nextObject() as? String {
                guard relative.hasSuffix(".test.yaml") || relative.hasSuffix(".test.yml") else { continue }
                found.append(path.hasSuffix("/") ? path + relative : path + "/" + relative)
            }
        }
        return found.sorted()
    }

    public static func load(path: String) -> Result<RuleTestFile, RuleDiagnostics> {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            return .failure(RuleDiagnostics([Diagnostic(file: path, line: 1, column: 1, message: "cannot read the file")]))
        }
        return load(RuleSource(path: path, text: text))
    }

    public static func load(_ source: RuleSource) -> Result<RuleTestFile, RuleDiagnostics> {
        let log = DiagnosticLog()
        let file = RuleFile(source: source, log: log)
        let folder = (source.path as NSString).deletingLastPathComponent
        func resolve(_ relative: String) -> String {
            relative.hasPrefix("/") ? relative : (folder.isEmpty ? relative : folder + "/" + relative)
        }
        var result = RuleTestFile(path: source.path, rulePaths: [folder.isEmpty ? "." : folder], tests: [])
        guard let root = file.root,
            let reader = MappingReader(root, file: file, log: log, what: "a rule test file", allowed: fileKeys)
        else {
            return log.isEmpty ? .failure(RuleDiagnostics([file.diagnostic(at: nil, "the file is empty")]))
                : .failure(RuleDiagnostics(log.diagnostics))
        }
        if let rules = reader.strings("rules") { result.rulePaths = rules.map { resolve($0.0) } }
        guard let testsNode = reader.required("tests") else { return .failure(RuleDiagnostics(log.diagnostics)) }
        guard case .sequence(let items) = testsNode else {
            log.report(file.diagnostic(at: testsNode, "'tests' must be a list (each item starting with '- ')"))
            return .failure(RuleDiagnostics(log.diagnostics))
        }
        var names: Set<String> = []
        for item in items {
            guard let test = readTest(item, file: file, log: log, resolve: resolve) else { continue }
            if !names.insert(test.name).inserted {
                log.report(file.diagnostic(at: item, "two tests are named '\(test.name)'"))
            }
            result.tests.append(test)
        }
        return log.isEmpty ? .success(result) : .failure(RuleDiagnostics(log.diagnostics))
    }

    private static func readTest(_ node: Node, file: RuleFile, log: DiagnosticLog, resolve: (String) -> String)
        -> RuleTest?
    {
        guard let reader = MappingReader(node, file: file, log: log, what: "a test", allowed: testKeys),
            let name = reader.required("name").flatMap({ _ in reader.string("name") })
        else { return nil }
        let what = "test '\(name)'"
        var test = RuleTest(
            name: name, description: reader.string("description"), file: file.path, line: node.mark?.line ?? 1,
            eventsFile: reader.string("events_file").map(resolve), events: [], until: nil, expectations: [],
            exhaustive: reader.bool("exhaustive") ?? true, suppressed: [])
        if let untilNode = reader["until"], let text = reader.string("until") {
            if let time = Timestamp(rfc3339: text) { test.until = time } else {
                log.report(file.diagnostic(at: untilNode, length: text.count,
                    "'until' of \(what) must be an RFC 3339 time such as 2026-11-30T00:00:00Z, got '\(text)'"))
            }
        }
        if let eventsNode = reader["events"] {
            guard case .sequence(let events) = eventsNode else {
                log.report(file.diagnostic(at: eventsNode, "'events' of \(what) must be a list of events"))
                return nil
            }
            for (index, eventNode) in events.enumerated() {
                guard case .object(var object) = YAMLValue.value(eventNode) else {
                    log.report(file.diagnostic(at: eventNode, "an event of \(what) must be a mapping (a CloudEvent)"))
                    continue
                }
                if object["specversion"] == nil { object["specversion"] = "1.0" }
                if object["source"] == nil { object["source"] = "test" }
                if object["id"] == nil { object["id"] = .string("\(name)#\(index + 1)") }
                switch EventDecoder().decode(.object(object), line: eventNode.mark?.line ?? 1) {
                case .success(let event): test.events.append(event)
                case .failure(let rejection):
                    log.report(file.diagnostic(at: eventNode, "an event of \(what): \(rejection.error)"))
                }
            }
        }
        if reader["events"] == nil && reader["events_file"] == nil {
            log.report(file.diagnostic(at: node, "\(what) has no events: give 'events', 'events_file' or both"))
        }
        if let expectNode = reader["expect"] {
            guard case .sequence(let expected) = expectNode else {
                log.report(file.diagnostic(at: expectNode, "'expect' of \(what) must be a list of tasks ([] for none)"))
                return nil
            }
            for taskNode in expected {
                guard let task = MappingReader(taskNode, file: file, log: log, what: "an expected task of \(what)",
                    allowed: taskFields)
                else { continue }
                test.expectations.append(TaskExpectation(
                    line: taskNode.mark?.line ?? 1,
                    fields: task.entries.compactMap { entry in
                        guard taskFields.contains(entry.key) else { return nil }
                        return (entry.key, matcher(entry.value, file: file, log: log, what: "'\(entry.key)' of \(what)"))
                    }))
            }
        } else {
            log.report(file.diagnostic(at: node, "\(what) has no 'expect': list the tasks expected, or [] for none"))
        }
        if let suppressedNode = reader["suppressed"] {
            guard case .sequence(let items) = suppressedNode else {
                log.report(file.diagnostic(at: suppressedNode, "'suppressed' of \(what) must be a list"))
                return test
            }
            for item in items {
                guard let entry = MappingReader(item, file: file, log: log, what: "a suppressed task of \(what)",
                    allowed: ["rule", "subject", "policy"])
                else { continue }
                test.suppressed.append(SuppressionExpectation(
                    line: item.mark?.line ?? 1, rule: entry.string("rule"), subject: entry.string("subject"),
                    policy: entry.string("policy")))
            }
        }
        return test
    }

    /// `value`, `{contains: s}`, `{matches: re}`, `{min: a, max: b}`, or a mapping of fields.
    static func matcher(_ node: Node, file: RuleFile, log: DiagnosticLog, what: String) -> FieldMatcher {
        guard case .mapping(let mapping) = node else { return .equals(YAMLValue.value(node)) }
        let keys = Set(mapping.keys.compactMap(\.string))
        if keys == ["contains"], let text = mapping["contains"]?.string { return .contains(text) }
        if keys == ["matches"], let pattern = mapping["matches"]?.string {
            // The dialect of `matches` in rules (linear time), so a test cannot hang `contextd test`.
            do throws(RegexError) {
                return .matches(pattern, try CompiledRegex(pattern))
            } catch {
                log.report(file.diagnostic(at: mapping["matches"],
                    "\(what): '\(pattern)' is not a valid regular expression: \(error)"))
                return .matches(pattern, nil)
            }
        }
        if !keys.isEmpty, keys.isSubset(of: ["min", "max"]) {
            func bound(_ key: String) -> Double? {
                guard let value = mapping[key] else { return nil }
                guard let text = value.string, let number = Double(text) else {
                    log.report(file.diagnostic(at: value, "\(what): '\(key)' must be a number"))
                    return nil
                }
                return number
            }
            return .range(min: bound("min"), max: bound("max"))
        }
        return .fields(mapping.compactMap { key, value in
            key.string.map { ($0, matcher(value, file: file, log: log, what: what)) }
        })
    }
}

/// YAML scalars as the JSON values they stand for: plain numbers, booleans and null are typed,
/// everything quoted (and every other plain scalar) is a string.
enum YAMLValue {
    static func value(_ node: Node) -> Value {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                switch scalar.string {
                case "null", "Null", "NULL", "~", "": return .null
                case "true", "True", "TRUE": return .bool(true)
                case "false", "False", "FALSE": return .bool(false)
                default: if let number = Double(scalar.string) { return .number(number) }
                }
            }
            return .string(scalar.string)
        case .sequence(let sequence): return .list(sequence.map(value))
        case .mapping(let mapping):
            var object: [String: Value] = [:]
            for (key, item) in mapping { if let k = key.string { object[k] = value(item) } }
            return .object(object)
        case .alias: return .null
        }
    }
}
