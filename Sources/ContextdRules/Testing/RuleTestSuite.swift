public import ContextdEvents
public import ContextdExpressions

/// One rule unit-test file (`*.test.yaml`, next to the rules it tests): what `contextd test`
/// runs. Plain values, checked and located at load time, so a mistake in a test is reported
/// like a mistake in a rule.
public struct RuleTestFile: Sendable {
    public var path: String
    /// Rule files or folders the tests run against (absolute or relative to the working directory).
    public var rulePaths: [String]
    public var tests: [RuleTest]
}

public struct RuleTest: Sendable {
    public var name: String
    public var description: String?
    public var file: String
    public var line: Int
    /// A fixture file of events applied first (resolved against the test file's folder).
    public var eventsFile: String?
    /// Inline events, applied after `eventsFile`.
    public var events: [Event]
    public var until: Timestamp?
    public var expectations: [TaskExpectation]
    /// When true, a task no expectation matched fails the test.
    public var exhaustive: Bool
    public var suppressed: [SuppressionExpectation]
}

/// The fields of one expected task that the test names; unnamed fields are not compared, so
/// rewording a `why` does not break every test.
public struct TaskExpectation: Sendable {
    public var line: Int
    public var fields: [(name: String, matcher: FieldMatcher)]
}

/// A candidate task a policy (or the rule's own dedup) is expected to stop.
public struct SuppressionExpectation: Sendable {
    public var line: Int
    public var rule: String?
    public var subject: String?
    public var policy: String?
}

/// How one expected field is compared with the task's outbox JSON value.
public indirect enum FieldMatcher: Sendable, CustomStringConvertible {
    /// Equal values; RFC 3339 strings compare as instants, numbers within 1e-6.
    case equals(Value)
    case contains(String)
    /// The pattern as written, and compiled once when the test file is loaded (nil when it is
    /// not valid: the loader reported that, and it matches nothing).
    case matches(String, CompiledRegex?)
    case range(min: Double?, max: Double?)
    /// Each named key of an object (`scores`, `data`) matches.
    case fields([(name: String, matcher: FieldMatcher)])

    public var description: String {
        switch self {
        case .equals(let value): JSON.encode(value)
        case .contains(let text): "contains \(JSON.encode(.string(text)))"
        case .matches(let pattern, _): "matches /\(pattern)/"
        case .range(let low, let high):
            switch (low, high) {
            case (let low?, let high?): "in [\(Self.number(low)), \(Self.number(high))]"
            case (let low?, nil): "≥ \(Self.number(low))"
            case (nil, let high?): "≤ \(Self.number(high))"
            case (nil, nil): "any number"
            }
        case .fields(let fields): "{" + fields.map { "\($0.name): \($0.matcher)" }.joined(separator: ", ") + "}"
        }
    }

    static func number(_ x: Double) -> String { JSON.encode(.number(x)) }
}
