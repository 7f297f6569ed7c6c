import ContextdEvents
import ContextdExpressions
import Testing

/// A `when` list joined from its compiled parts (``CompiledExpression/all(_:)``) evaluates as
/// the parts joined with `&&` and compiled again would.
@Suite struct ConditionListTests {
    let harness = Harness()

    /// The parts compiled one by one and joined, and the joined text compiled whole.
    func both(_ parts: [String]) throws -> (joined: CompiledExpression, whole: CompiledExpression) {
        let compiled = try parts.map { try harness.compile($0, expecting: .bool).get() }
        let text = parts.map { "(" + $0 + ")" }.joined(separator: " && ")
        return (CompiledExpression.all(compiled), try harness.compile(text, expecting: .bool).get())
    }

    @Test(arguments: [
        ["event.data.amount > 100", "event.data.city == 'Paris'"],
        ["event.data.amount > 100", "event.data.city == 'Rome'"],
        ["event.data.amount > 1000", "x.a / x.zero > 1"],  // stops before the part that would fail
        ["true", "context.visits_7d >= 4", "size(payments) == 3"],
    ])
    func theValueIsThatOfTheWholeExpression(parts: [String]) throws {
        let (joined, whole) = try both(parts)
        #expect(joined.source == whole.source)
        #expect(try joined.evaluate(harness.makeActivation()) == whole.evaluate(harness.makeActivation()))
    }

    @Test func aNullPartFailsAtItsPlaceInTheJoinedSource() throws {
        let (joined, whole) = try both(["event.data.amount > 100", "x.n"])
        let expected = #expect(throws: EvaluationError.self) { try whole.evaluate(harness.makeActivation()) }
        let error = #expect(throws: EvaluationError.self) { try joined.evaluate(harness.makeActivation()) }
        #expect(error?.message == expected?.message)
        #expect(error?.code == expected?.code)
        #expect(error?.range == expected?.range)
        #expect(error?.source == joined.source)
    }

    @Test func aFailureInsideAPartKeepsThePartsSource() throws {
        let (joined, _) = try both(["true", "x.a / x.zero > 1"])
        let error = #expect(throws: EvaluationError.self) { try joined.evaluate(harness.makeActivation()) }
        #expect(error?.message == "division by zero")
        #expect(error?.source == "x.a / x.zero > 1")
    }

    @Test func onePartIsThatPart() throws {
        let part = try harness.compile("event.data.amount > 100", expecting: .bool).get()
        #expect(CompiledExpression.all([part]).source == part.source)
    }
}
