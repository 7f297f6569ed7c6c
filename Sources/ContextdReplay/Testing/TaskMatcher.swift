import ContextdEngine
import ContextdEvents
import ContextdExpressions
import ContextdRules

/// Compares a task, as its outbox JSON, with an expectation: field by field, only the fields
/// the test names, each mismatch in words (`priority: expected in [90, 100], got 85.2`).
enum TaskMatcher {
    static func outboxValue(_ task: TaskRecord) -> [String: Value] {
        guard case .object(let object)? = try? JSON.parse(task.json) else { return [:] }
        return object
    }

    static func mismatches(_ expectation: TaskExpectation, _ task: [String: Value]) -> [String] {
        expectation.fields.compactMap { field in
            let actual = task[field.name] ?? .null
            return holds(field.matcher, actual) ? nil
                : "\(field.name): expected \(field.matcher), got \(JSON.encode(actual))"
        }
    }

    static func holds(_ matcher: FieldMatcher, _ actual: Value) -> Bool {
        switch matcher {
        case .equals(let expected): return equal(expected, actual)
        case .contains(let text):
            if case .string(let string) = actual { return string.contains(text) }
            if case .list(let items) = actual { return items.contains(.string(text)) }
            return false
        case .matches(_, let regex):
            guard case .string(let string) = actual, let regex else { return false }
            return regex.matches(string)
        case .range(let low, let high):
            guard case .number(let number) = actual else { return false }
            return (low.map { number >= $0 } ?? true) && (high.map { number <= $0 } ?? true)
        case .fields(let fields):
            guard case .object(let object) = actual else { return false }
            return fields.allSatisfy { holds($0.matcher, object[$0.name] ?? .null) }
        }
    }

    /// Numbers within 1e-6 (relative), RFC 3339 strings as instants, lists and objects deeply.
    static func equal(_ expected: Value, _ actual: Value) -> Bool {
        switch (expected, actual) {
        case (.number(let a), .number(let b)): return abs(a - b) <= 1e-6 * max(1, abs(a))
        case (.string(let a), .string(let b)):
            if a == b { return true }
            if let x = Timestamp(rfc3339: a), let y = Timestamp(rfc3339: b) { return x == y }
            return false
        case (.list(let a), .list(let b)): return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { equal(value, $0) } ?? false }
        default: return expected == actual
        }
    }
}
