import ContextdEvents
import ContextdExpressions
import Testing

/// Failures that depend on the data, reported with the failing part of the expression.
@Suite struct RuntimeErrorTests {
    let harness = Harness()

    @Test(arguments: [
        ("x.missing > 1", "no field 'missing' in map", "x.missing", EvaluationError.Code.missingField),
        ("event.data.lat + x.nested.latitude", "no field 'latitude' in map", "x.nested.latitude", .missingField),
        ("x.n.time", "cannot read 'time' of null", "x.n.time", .nullAccess),
        ("x.a / x.zero", "division by zero", "x.a / x.zero", .divisionByZero),
        ("x.a % 0", "division by zero", "x.a % 0", .divisionByZero),
        ("duration('1h') / x.zero", "division by zero", "duration('1h') / x.zero", .divisionByZero),
        ("(x.s < x.a) || true", "cannot compare string with number", "(x.s < x.a)", .typeMismatch),
        ("x.s + 1", "cannot apply '+' to string and number", "x.s + 1", .typeMismatch),
        ("x.n * 2", "cannot apply '*' to null and number", "x.n * 2", .nullAccess),
        ("x.a && true", "'&&' needs bool values, not number", "x.a", .typeMismatch),
        ("x.a ? 1 : 2", "the condition of '?' must be bool, not number", "x.a", .typeMismatch),
        ("x.list[3]", "index 3 is out of range for a list of 3", "x.list[3]", .missingField),
        ("x.list[0.5]", "a list index must be a whole number, not 0.5", "x.list[0.5]", .invalidArgument),
        ("x['nope']", "no key 'nope' in map", "x['nope']", .missingField),
        ("x.s.field", "cannot read field 'field' of string", "x.s.field", .typeMismatch),
        ("lower(x.a)", "argument 1 of 'lower' must be a string, not number", "lower(x.a)", .typeMismatch),
        ("size(x.n)", "argument 1 of 'size' must be a string, list or map, not null", "size(x.n)", .nullAccess),
        ("x.a.filter(e, true)", "'filter' needs a list or map, not number", "x.a", .typeMismatch),
        ("x.list.exists(e, [e][0])", "the condition of 'exists' must be bool, not number", "[e][0]", .typeMismatch),
        ("1 in x.s", "'in' needs a list or map on its right, not string", "1 in x.s", .typeMismatch),
        (
            "matches(x.a, 'a')", "argument 1 of 'matches' must be a string, not number", "matches(x.a, 'a')",
            .typeMismatch
        ),
        ("-x.s", "cannot apply '-' to string", "-x.s", .typeMismatch),
    ])
    func runtimeError(source: String, message: String, at part: String, code: EvaluationError.Code) {
        let failure = harness.failure(source)
        #expect(failure?.message == message)
        #expect(failure?.code == code)
        #expect(failure?.range == range(of: part, in: source))
        #expect(failure?.source == source)
    }

    @Test func theDescriptionQuotesTheFailingText() {
        #expect(harness.failure("1 + x.a / x.zero")?.description == "division by zero (at 'x.a / x.zero')")
    }

    @Test func aResolverFailureIsPlacedAtTheFieldRead() {
        let source = "context.device == 'phone'"
        let failure = harness.failure(source)
        #expect(failure?.message == "no field 'device'")
        #expect(failure?.range == range(of: "context.device", in: source))
    }

    @Test func anUnsetVariableReadsAsNull() throws {
        var environment = Environment()
        environment.declare("later", type: .string)
        let compiled = try Expression.compile("later", in: environment).get()
        #expect(try compiled.evaluate(Activation(environment: environment)) == .null)
    }
}
