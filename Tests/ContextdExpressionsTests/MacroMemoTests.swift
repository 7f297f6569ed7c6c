import ContextdEvents
@testable import ContextdExpressions
import Testing

/// A macro used in several places of a rule is evaluated once per activation, and never
/// reused where its names mean something else.
@Suite struct MacroMemoTests {
    @Test func aMacroUsedByTwoBindingsIsEvaluatedOncePerActivation() throws {
        var environment = Harness().environment
        try environment.defineMacro("big", source: "numbers.filter(n, n > 1)")
        environment.bind("count", to: try Expression.compile("big.size()", in: environment).get())
        environment.bind("doubled", to: try Expression.compile("big.map(n, n * 2)", in: environment).get())
        let both = try Expression.compile("count + doubled.size() + big.size()", in: environment).get()

        let activation = Harness().makeActivation(in: environment)
        #expect(try both.evaluate(activation) == .number(6))
        #expect(activation.rememberedMacroCount == 1)
        // A new activation starts with nothing remembered.
        let fresh = Harness().makeActivation(in: environment)
        #expect(fresh.rememberedMacroCount == 0)
        #expect(try both.evaluate(fresh) == .number(6))
    }

    @Test func aMacroCompiledWhereANameMeansSomethingElseIsNotShared() throws {
        var environment = Harness().environment
        try environment.defineMacro("plus_one", source: "x.a + 1")
        let before = try Expression.compile("plus_one", in: environment).get()
        // From here on `x` is a binding, not the plain variable: the same macro means other code.
        environment.bind("x", to: try Expression.compile("{a: numbers.size()}", in: environment).get())
        let after = try Expression.compile("plus_one", in: environment).get()

        let activation = Harness().makeActivation(in: environment)
        #expect(try before.evaluate(activation) == .number(2))
        #expect(try after.evaluate(activation) == .number(4))
        #expect(activation.rememberedMacroCount == 2)
    }

    @Test func settingASlotForgetsWhatMacrosRemembered() throws {
        var harness = Harness()
        try harness.environment.defineMacro("total_size", source: "numbers.size()")
        let compiled = try Expression.compile("numbers.filter(n, n > 0).size() + total_size", in: harness.environment).get()
        let activation = harness.makeActivation()
        #expect(try compiled.evaluate(activation) == .number(6))
        #expect(activation.rememberedMacroCount == 1)
        activation.set(harness.numbers, .list([.number(1)]))
        #expect(activation.rememberedMacroCount == 0)
        #expect(try compiled.evaluate(activation) == .number(2))
    }

    @Test func aMacroThatCallsAHostFunctionIsNotRemembered() throws {
        let calls = Recorder()
        var environment = Harness().environment
        environment.register(EnvironmentTests.counting(calls))
        try environment.defineMacro("costly", source: "expensive(21)")
        let twice = try Expression.compile("costly + costly", in: environment).get()
        let activation = Harness().makeActivation(in: environment)
        #expect(try twice.evaluate(activation) == .number(84))
        #expect(calls.calls.count == 2)
        #expect(activation.rememberedMacroCount == 0)
    }

    @Test func anActivationDeclaredAlikeInheritsWhatTheOtherRemembered() throws {
        // Two environments that declare the same variables in the same order, as the engine
        // declares a rule's scope and its scorer's: the same macro gets the same memo.
        var rule = Harness().environment
        var scorer = Harness().environment
        try rule.defineMacro("big", source: "numbers.filter(n, n > 1)")
        try scorer.defineMacro("big", source: "numbers.filter(n, n > 1)")
        let inRule = try Expression.compile("big.size()", in: rule).get()
        let inScorer = try Expression.compile("big.size() * 10", in: scorer).get()

        let ruleActivation = Harness().makeActivation(in: rule)
        #expect(try inRule.evaluate(ruleActivation) == .number(2))
        let scorerActivation = Harness().makeActivation(in: scorer)
        scorerActivation.inheritMacroValues(from: ruleActivation)
        #expect(scorerActivation.rememberedMacroCount == 1)
        #expect(try inScorer.evaluate(scorerActivation) == .number(20))
        // The value came from the rule's activation: the filter did not run again (a slot the
        // contract says must hold the same value is changed here only to show it).
        let misfilled = Harness().makeActivation(in: scorer)
        misfilled.set(Harness().numbers, .list([.number(5)]))
        misfilled.inheritMacroValues(from: ruleActivation)
        #expect(try inScorer.evaluate(misfilled) == .number(20))
    }

    @Test func aMacroThatReadsALetBindingIsNotInherited() throws {
        var rule = Harness().environment
        rule.bind("x", to: try Expression.compile("{a: numbers.size()}", in: rule).get())
        try rule.defineMacro("plus_one", source: "x.a + 1")
        let inRule = try Expression.compile("plus_one", in: rule).get()
        var other = Harness().environment
        other.bind("x", to: try Expression.compile("{a: 100}", in: other).get())
        try other.defineMacro("plus_one", source: "x.a + 1")
        let inOther = try Expression.compile("plus_one", in: other).get()

        let ruleActivation = Harness().makeActivation(in: rule)
        #expect(try inRule.evaluate(ruleActivation) == .number(4))
        let otherActivation = Harness().makeActivation(in: other)
        otherActivation.inheritMacroValues(from: ruleActivation)
        #expect(otherActivation.rememberedMacroCount == 0)
        #expect(try inOther.evaluate(otherActivation) == .number(101))
    }
}
