import ContextdEvents
import ContextdExpressions
import Testing

@Suite struct EnvironmentTests {
    /// A host function that counts its calls, to see what is evaluated how often.
    static func counting(_ recorder: Recorder) -> FunctionDeclaration {
        FunctionDeclaration(name: "expensive", parameters: [.number], result: .number) { arguments, _ in
            recorder.record("expensive")
            return .number((arguments[0].numberValue ?? 0) * 2)
        }
    }

    @Test func aLetBindingIsEvaluatedOnceOnFirstUse() throws {
        let calls = Recorder()
        var environment = Harness().environment
        environment.register(EnvironmentTests.counting(calls))
        let doubled = try Expression.compile("expensive(x.a + 20)", in: environment).get()
        environment.bind("doubled", to: doubled)
        #expect(try Expression.compile("doubled", in: environment).get().type == .number)
        let condition = try Expression.compile("doubled > 10 && doubled < 100 && doubled == 42", in: environment).get()
        let unused = try Expression.compile("false && doubled > 0", in: environment).get()

        let activation = Harness().makeActivation(in: environment)
        #expect(try unused.evaluate(activation) == .bool(false))
        #expect(calls.calls.isEmpty)
        #expect(try condition.evaluate(activation) == .bool(true))
        #expect(try condition.evaluate(activation) == .bool(true))
        #expect(calls.calls.count == 1)

        // A new activation evaluates it again.
        #expect(try condition.evaluate(Harness().makeActivation(in: environment)) == .bool(true))
        #expect(calls.calls.count == 2)
    }

    @Test func aFailingLetBindingFailsEveryReadWithItsOwnSource() throws {
        let calls = Recorder()
        var environment = Harness().environment
        environment.register(EnvironmentTests.counting(calls))
        let broken = try Expression.compile("expensive(x.missing)", in: environment).get()
        environment.bind("broken", to: broken)
        let user = try Expression.compile("1 + broken", in: environment).get()
        let activation = Harness().makeActivation(in: environment)
        for _ in 0..<2 {
            #expect {
                try user.evaluate(activation)
            } throws: { error in
                let error = error as? EvaluationError
                return error?.message == "no field 'missing' in map" && error?.source == "expensive(x.missing)"
                    && error?.range == SourceRange(start: 10, end: 19)
            }
        }
        #expect(calls.calls.isEmpty)
    }

    @Test func bindingsInsideComprehensionsKeepTheirOwnLocals() throws {
        var environment = Harness().environment
        environment.bind("big", to: try Expression.compile("numbers.filter(n, n > 1)", in: environment).get())
        let source = "numbers.map(n, big.size() + n)"
        let compiled = try Expression.compile(source, in: environment).get()
        #expect(
            try compiled.evaluate(Harness().makeActivation(in: environment))
                == .list([.number(5), .number(3), .number(4)])
        )
    }

    @Test func theLazyRecordResolverIsAskedOnlyForFieldsUsedOnce() throws {
        let harness = Harness()
        let compiled = try harness.compile(
            "context.balance.amount > 100 && context.balance.currency == 'EUR' && context.visits_7d > 1"
        )
        .get()
        #expect(try compiled.evaluate(harness.makeActivation()) == .bool(true))
        #expect(harness.resolved.calls == ["balance", "visits_7d"])
    }

    @Test func hasAsksTheResolverAndNeverFails() throws {
        let harness = Harness()
        #expect(harness.value("has(context.balance)") == .bool(true))
        #expect(harness.value("has(context.device)") == .bool(false))
        #expect(harness.value("has(event.data.note)") == .bool(false))
        #expect(harness.value("has(event.data.city)") == .bool(true))
        #expect(harness.value("has(x.n.deeper)") == .bool(false))
        #expect(harness.value("has(x.list[1])") == .bool(true))
        #expect(harness.value("has(x.list[7])") == .bool(false))
        #expect(harness.value("has(x['nested'])") == .bool(true))
        #expect(harness.resolved.calls == ["balance", "device"])
    }

    @Test func aLazyRecordCannotBeUsedWhole() {
        let diagnostics = Harness().diagnostics("size(context)")
        #expect(
            diagnostics.map(\.message) == [
                "'context' cannot be used on its own; read one of its fields, like context.balance"
            ]
        )
        #expect(diagnostics.first?.range == SourceRange(start: 5, end: 12))
    }

    @Test func macrosExpandWhereUsedAndMayUseOtherMacros() throws {
        var environment = Harness().environment
        try environment.defineMacro("amount", source: "event.data.amount")
        try environment.defineMacro("is_large", source: "amount > large_limit")
        try environment.defineMacro("large_limit", source: "200")
        let compiled = try Expression.compile("is_large && amount < 1000", in: environment).get()
        #expect(try compiled.evaluate(Harness().makeActivation(in: environment)) == .bool(true))
    }

    @Test func macrosMeanWhatTheirTextMeansWrittenOut() throws {
        var environment = Harness().environment
        try environment.defineMacro("first_number", source: "numbers[0]")
        // Inside the comprehension, `numbers` is the local [7], in the macro body as well.
        let compiled = try Expression.compile("[[7]].map(numbers, first_number + numbers[0])", in: environment).get()
        #expect(try compiled.evaluate(Harness().makeActivation(in: environment)) == .list([.number(14)]))
    }

    @Test func aMacroCycleIsAnError() throws {
        var environment = Environment()
        try environment.defineMacro("a", source: "b + 1")
        #expect {
            try environment.defineMacro("b", source: "2 * a")
        } throws: { error in
            let diagnostics = error as? [ExpressionDiagnostic]
            return diagnostics?.map(\.message) == ["macro 'b' refers to itself: b → a → b"]
                && diagnostics?.first?.range == SourceRange(start: 4, end: 5)
        }
        #expect(throws: [ExpressionDiagnostic].self) { try environment.defineMacro("c", source: "c") }
    }

    @Test func aMacroWithASyntaxErrorIsRejectedWhenDefined() {
        var environment = Environment()
        #expect {
            try environment.defineMacro("broken", source: "1 +")
        } throws: { error in
            (error as? [ExpressionDiagnostic])?.map(\.message) == [
                "expected an expression, found the end of the expression"
            ]
        }
    }

    @Test func problemsInsideAMacroPointAtItsUse() {
        var environment = Harness().environment
        try? environment.defineMacro("rich", source: "context.balance.amout > 1000")
        let source = "event.data.card_present && rich"
        let diagnostics = Expression.compile(source, in: environment).failure
        #expect(
            diagnostics?.map(\.message) == [
                "in macro 'rich': unknown field 'amout' on context.balance; did you mean 'amount'?"
            ]
        )
        #expect(diagnostics?.first?.range == range(of: "rich", in: source))
        #expect(diagnostics?.first?.suggestion == "amount")
    }

    @Test func constantsWorkWithIn() throws {
        let harness = Harness()
        #expect(harness.value("'YY' in high_risk_countries") == .bool(true))
        #expect(harness.value("event.data.city in high_risk_countries") == .bool(false))
        #expect(try harness.compile("high_risk_countries").get().type == .list(.string))
        #expect(
            harness.diagnostics("5 in high_risk_countries").map(\.message) == ["cannot look for number in list(string)"]
        )
    }

    @Test func hostFunctionsAreCheckedAndCalled() throws {
        var environment = Environment()
        let subject = environment.declare("subject", type: .string)
        let payload = environment.declare("payload", type: .dyn)
        environment.register(
            FunctionDeclaration(name: "entity", parameters: [.string], result: .map(.dyn)) {
                arguments,
                activation throws(EvaluationError) in
                guard case .string(let id) = arguments[0] else { return .null }
                guard id != "ghost" else { throw EvaluationError(message: "unknown entity '\(id)'") }
                return .object(["id": .string(id), "host": .bool(activation.host != nil)])
            }
        )
        let activation = Activation(environment: environment)
        activation.set(subject, .string("c1"))
        activation.set(payload, .object(["owner": .number(7), "ghost": .string("ghost")]))
        activation.host = Recorder()

        let compiled = try Expression.compile(
            "entity(subject).id + '/' + string(subject.entity().host)",
            in: environment
        ).get()
        #expect(try compiled.evaluate(activation) == .string("c1/true"))

        let wrongCount = Expression.compile("entity()", in: environment).failure
        #expect(wrongCount?.map(\.message) == ["'entity' takes 1 argument, got 0"])
        let wrongType = Expression.compile("entity(5)", in: environment).failure
        #expect(wrongType?.map(\.message) == ["argument 1 of 'entity' must be a string, not number"])
        #expect(wrongType?.first?.range == SourceRange(start: 7, end: 8))

        let dynamic = try Expression.compile("entity(payload.owner)", in: environment).get()
        #expect(throws: EvaluationError.self) { try dynamic.evaluate(activation) }
        let failing = failure(
            of: try Expression.compile("1 + size(entity(payload.ghost))", in: environment).get(), in: activation)
        #expect(failing?.message == "unknown entity 'ghost'" && failing?.range == SourceRange(start: 9, end: 30))
    }

    /// `f(x).name` asks a host function for the one field when it can say (`entity(id)` then
    /// builds one context declaration, not all of them), and otherwise reads it from the whole
    /// result: the same values, and the same errors at the same places.
    @Test func aHostFunctionCanAnswerOneFieldOfItsResult() throws {
        let wholeResults = Recorder()
        var environment = Environment()
        let payload = environment.declare("payload", type: .dyn)
        let record = RecordType(name: "entity", fields: ["visits": .number, "name": .string], isOpen: false)
        environment.register(
            FunctionDeclaration(
                name: "entity", parameters: [.string], result: .record(record),
                field: { arguments, field, _ throws(EvaluationError) -> Value? in
                    guard case .string(let id) = arguments[0], field == "visits" else { return nil }
                    guard id != "ghost" else { throw EvaluationError(message: "unknown entity '\(id)'") }
                    return .number(Double(id.count))
                }
            ) { arguments, _ throws(EvaluationError) in
                wholeResults.record("whole")
                guard case .string(let id) = arguments[0] else { return .null }
                return .object(["visits": .number(Double(id.count)), "name": .string(id)])
            }
        )
        let activation = Activation(environment: environment)
        activation.set(payload, .object(["id": .string("c123"), "ghost": .string("ghost"), "none": .null]))

        let visits = try Expression.compile("entity(payload.id).visits * 10", in: environment).get()
        #expect(try visits.evaluate(activation) == .number(40))
        #expect(wholeResults.calls.isEmpty)
        // A field the function does not answer comes from the whole result.
        let name = try Expression.compile("entity(payload.id).name", in: environment).get()
        #expect(try name.evaluate(activation) == .string("c123"))
        #expect(wholeResults.calls.count == 1)
        // Null in, null out: reading from it fails where the field is read, as before.
        let missing = failure(
            of: try Expression.compile("entity(payload.none).visits", in: environment).get(), in: activation)
        #expect(missing?.message == "cannot read 'visits' of null" && missing?.range == SourceRange(start: 0, end: 27))
        // The function's own failure is placed at the call.
        let ghost = failure(
            of: try Expression.compile("1 + entity(payload.ghost).visits", in: environment).get(), in: activation)
        #expect(ghost?.message == "unknown entity 'ghost'" && ghost?.range == SourceRange(start: 4, end: 25))
        // Fields are still checked when the rule is loaded.
        let typo = Expression.compile("entity(payload.id).visit", in: environment).failure
        #expect(typo?.map(\.message) == ["unknown field 'visit' on entity(payload.id); did you mean 'visits'?"])
    }

    @Test func namesListEverythingInScope() {
        let names = Harness().environment.names
        for name in ["event", "now", "context", "high_risk_countries", "distance_km", "filter", "has", "format_number"]
        {
            #expect(names.contains(name))
        }
        #expect(names == names.sorted())
    }

    @Test func theExpectedTypeIsCheckedStaticallyAndAtRunTime() throws {
        let harness = Harness()
        #expect(
            harness.diagnostics("event.data.amount", expecting: .bool).map(\.message) == ["expected bool, got number"]
        )
        #expect(try harness.compile("x.a > 0", expecting: .bool).get().type == .bool)
        let dynamic = try harness.compile("x.a", expecting: .bool).get()
        #expect(dynamic.type == .bool)
        #expect {
            try dynamic.evaluate(harness.makeActivation())
        } throws: { error in
            (error as? EvaluationError)?.message == "expected bool, got number"
        }
        #expect(try harness.compile("x.n", expecting: .bool).get().evaluate(harness.makeActivation()) == .null)
    }

    @Test func constantExpressionsAreKnownAtLoadTime() throws {
        let harness = Harness()
        #expect(try harness.compile("'queue:' + 'fraud'").get().constantValue == .string("queue:fraud"))
        #expect(try harness.compile("clamp(90 + 20, 0, 100)").get().constantValue == .number(100))
        #expect(try harness.compile("event.data.amount").get().constantValue == nil)
    }
}

extension Harness {
    /// An activation for an environment extended from this harness's (same slots first).
    func makeActivation(in environment: Environment) -> Activation {
        let activation = Activation(environment: environment)
        activation.set(event, Harness.eventValue)
        activation.set(now, .timestamp(Harness.time("2026-11-22T12:00:00Z")))
        activation.set(payload, Harness.payloadValue)
        activation.set(payments, Harness.paymentsValue)
        activation.set(numbers, .list([.number(3), .number(1), .number(2)]))
        return activation
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
