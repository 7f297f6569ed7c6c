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
}
