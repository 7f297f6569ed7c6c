import ContextdEvents
import ContextdExpressions
import Testing

/// A rule-like environment (an event, a clock, a lazy `context`, some collections) and the
/// values one evaluation sees, shared by the tables of tests.
struct Harness {
    static let eventData = RecordType(
        name: "event.data",
        fields: ["amount": .number, "city": .string, "lat": .number, "lon": .number, "card_present": .bool],
        isOpen: true
    )
    static let eventType = RecordType(
        name: "event",
        fields: [
            "id": .string, "type": .string, "time": .timestamp, "subject": .string, "data": .record(eventData),
        ]
    )
    static let balanceType = RecordType(name: "context.balance", fields: ["amount": .number, "currency": .string])
    static let contextType = RecordType(
        name: "context",
        fields: [
            "balance": .record(balanceType), "visits_7d": .number, "last_location": .map(.dyn), "device": .string,
        ]
    )
    static let paymentType = RecordType(
        name: "payment",
        fields: ["id": .string, "amount": .number, "category": .string, "due": .timestamp]
    )

    var environment = Environment()
    let event: VariableSlot
    let now: VariableSlot
    let payload: VariableSlot
    let payments: VariableSlot
    let numbers: VariableSlot
    let context: VariableSlot
    /// The fields the `context` resolver was asked for, in order.
    let resolved = Recorder()

    init() {
        event = environment.declare("event", type: .record(Harness.eventType))
        now = environment.declare("now", type: .timestamp)
        payload = environment.declare("x", type: .dyn)
        payments = environment.declare("payments", type: .list(.record(Harness.paymentType)))
        numbers = environment.declare("numbers", type: .list(.number))
        context = environment.declareLazyRecord("context", type: Harness.contextType)
        environment.defineConstant("high_risk_countries", value: .list([.string("XX"), .string("YY")]))
    }

    static func time(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    static let eventValue = Value.object([
        "id": .string("e2"), "type": .string("card.transaction"), "subject": .string("c1"),
        "time": .timestamp(time("2026-11-22T10:40:00Z")),
        "data": .object([
            "amount": .number(250), "city": .string("Paris"), "lat": .number(48.8566), "lon": .number(2.3522),
            "card_present": .bool(true), "note": .null,
        ]),
    ])

    static let payloadValue = Value.object([
        "a": .number(1), "s": .string("text"), "n": .null, "list": .list([.number(1), .number(2), .number(3)]),
        "nested": .object(["deep": .string("yes")]), "zero": .number(0),
    ])

    static let paymentsValue = Value.list([
        payment("p1", 1200, "rent", "2026-12-01T00:00:00Z"),
        payment("p2", 45.5, "phone", "2026-11-25T00:00:00Z"),
        payment("p3", 300, "insurance", "2026-11-28T00:00:00Z"),
    ])

    static func payment(_ id: String, _ amount: Double, _ category: String, _ due: String) -> Value {
        .object([
            "id": .string(id), "amount": .number(amount), "category": .string(category),
            "due": .timestamp(time(due)),
        ])
    }

    static let contextFields: [String: Value] = [
        "balance": .object(["amount": .number(800), "currency": .string("EUR")]),
        "visits_7d": .number(4),
        "last_location": .object([
            "lat": .number(40.7128), "lon": .number(-74.0060), "time": .timestamp(time("2026-11-22T09:00:00Z")),
        ]),
    ]

    func makeActivation() -> Activation {
        let activation = Activation(environment: environment)
        activation.set(event, Harness.eventValue)
        activation.set(now, .timestamp(Harness.time("2026-11-22T12:00:00Z")))
        activation.set(payload, Harness.payloadValue)
        activation.set(payments, Harness.paymentsValue)
        activation.set(numbers, .list([.number(3), .number(1), .number(2)]))
        let recorder = resolved
        activation.bindFields(context) { (field: String) throws(EvaluationError) -> Value in
            recorder.record(field)
            guard let value = Harness.contextFields[field] else { throw EvaluationError.missingField(field) }
            return value
        }
        return activation
    }

    func compile(_ source: String, expecting: ValueType? = nil) -> Result<CompiledExpression, [ExpressionDiagnostic]> {
        Expression.compile(source, in: environment, expecting: expecting)
    }

    /// Compiles and evaluates; a compile failure is recorded as a test issue.
    func evaluate(
        _ source: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws(EvaluationError) -> Value {
        switch compile(source) {
        case .failure(let diagnostics):
            Issue.record("'\(source)' did not compile: \(diagnostics)", sourceLocation: sourceLocation)
            return .null
        case .success(let compiled):
            return try compiled.evaluate(makeActivation())
        }
    }

    /// The value, or nil after recording the evaluation error as an issue.
    func value(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> Value? {
        do {
            return try evaluate(source, sourceLocation: sourceLocation)
        } catch {
            Issue.record("'\(source)' failed: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// The run-time failure of an expression that compiles.
    func failure(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> EvaluationError? {
        do {
            let value = try evaluate(source, sourceLocation: sourceLocation)
            Issue.record("'\(source)' evaluated to \(value) instead of failing", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// The compile errors of an expression (empty when it compiles).
    func diagnostics(_ source: String, expecting: ValueType? = nil) -> [ExpressionDiagnostic] {
        switch compile(source, expecting: expecting) {
        case .failure(let diagnostics): diagnostics
        case .success: []
        }
    }
}

/// The run-time failure of a compiled expression, or nil after recording that it did not fail.
func failure(
    of compiled: CompiledExpression, in activation: Activation, sourceLocation: SourceLocation = #_sourceLocation
) -> EvaluationError? {
    do {
        let value = try compiled.evaluate(activation)
        Issue.record("'\(compiled.source)' evaluated to \(value) instead of failing", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Collects calls made from closures the library holds.
final class Recorder: @unchecked Sendable {
    private(set) var calls: [String] = []

    func record(_ call: String) { calls.append(call) }
}

/// The range of the first occurrence of `part` in `source`, in UTF-8 bytes.
func range(of part: String, in source: String) -> SourceRange {
    let bytes = Array(source.utf8)
    let needle = Array(part.utf8)
    for start in 0...(bytes.count - needle.count) where Array(bytes[start..<(start + needle.count)]) == needle {
        return SourceRange(start: start, end: start + needle.count)
    }
    Issue.record("'\(part)' is not in '\(source)'")
    return SourceRange(start: 0, end: 0)
}
