import ContextdEvents
@testable import ContextdExpressions
import ContextdTestKit
import Testing

/// A macro means what its text would mean written out where it is used: a comprehension
/// variable around the use shadows a `let` of the same name inside the body too.
@Suite struct MacroUseSiteTests {
    /// The case of issue 17, item 10: `let: {t: event.time}`, `macros: {later: t + duration("1h")}`.
    @Test func aComprehensionVariableShadowsALetInsideAMacro() throws {
        var environment = Environment()
        let event = environment.declare("event", type: .record(RecordType(name: "event", fields: ["time": .timestamp])))
        environment.bind("t", to: try Expression.compile("event.time", in: environment).get())
        try environment.defineMacro("later", source: "t + duration(\"1h\")")
        let used = try Expression.compile("[event.time + duration(\"5h\")].map(t, later).first()", in: environment)
            .get()
        let writtenOut = try Expression.compile(
            "[event.time + duration(\"5h\")].map(t, t + duration(\"1h\")).first()", in: environment
        ).get()

        let activation = Activation(environment: environment)
        activation.set(event, .object(["time": .timestamp(Timestamp(rfc3339: "2026-11-22T10:00:00Z")!)]))
        let sixteen = Value.timestamp(Timestamp(rfc3339: "2026-11-22T16:00:00Z")!)
        #expect(try writtenOut.evaluate(activation) == sixteen)
        #expect(try used.evaluate(activation) == sixteen)
    }

    /// A macro reading the loop variable and a slot (`scaled`) has a value per element: it is not
    /// remembered across the iterations (nor handed to another activation). A macro that reads
    /// no loop variable (`total`) is still remembered inside a comprehension.
    @Test(arguments: [
        ("scaled", "n * numbers.size()", "numbers.map(n, scaled)", Value.list([.number(9), .number(3), .number(6)]), 0),
        ("total", "numbers.size()", "numbers.map(n, n + total)", .list([.number(6), .number(4), .number(5)]), 1),
    ])
    func aMacroIsRememberedUnlessItReadsTheLoopVariable(
        name: String, body: String, expression: String, expected: Value, remembered: Int
    ) throws {
        var environment = Harness().environment
        try environment.defineMacro(name, source: body)
        let compiled = try Expression.compile(expression, in: environment).get()
        let activation = Harness().makeActivation(in: environment)
        #expect(try compiled.evaluate(activation) == expected)
        #expect(activation.rememberedMacroCount == remembered)
    }

    /// For random small expressions, a use of a random macro gives what its text written out
    /// in its place gives (`let`s named like the loop variables make every clash possible).
    @Test(arguments: 0..<200)
    func aMacroUseEqualsItsWrittenOutText(seed: Int) throws {
        var random = SplitMix(state: UInt64(seed))
        let body = Self.expression(depth: 3, macroBody: nil, random: &random).used
        let inner = Self.expression(depth: 3, macroBody: body, random: &random)
        let (around, writtenOut) = ("numbers.map(v, \(inner.used))", "numbers.map(v, \(inner.writtenOut))")
        var environment = Harness().environment
        environment.bind("v", to: try Expression.compile("x.a + 10", in: environment).get())
        environment.bind("w", to: try Expression.compile("100", in: environment).get())
        try environment.defineMacro("mq", source: body)
        let used = try #require(try? Expression.compile(around, in: environment).get(), "seed \(seed): \(around)")
        let expected = try #require(try? Expression.compile(writtenOut, in: environment).get(), "seed \(seed)")
        let value = try used.evaluate(Harness().makeActivation(in: environment))
        #expect(
            value == (try expected.evaluate(Harness().makeActivation(in: environment))),
            "seed \(seed): mq = \(body); \(around) gave \(value)"
        )
    }

    /// A number built from the loop variables `v` and `w` (the `let`s of those names where no
    /// comprehension binds them), `x.a`, constants and comprehensions binding `v` or `w`; with
    /// `macroBody`, also uses of the macro `mq`, and the same text with the body in their place.
    static func expression(depth: Int, macroBody: String?, random: inout SplitMix)
        -> (used: String, writtenOut: String)
    {
        let leaves = ["v", "w", "x.a", "1", "2", "3"]
        let choices = leaves.count + (macroBody == nil ? 0 : 2)
        guard depth > 0, random.next() % 3 != 0 else {
            let pick = Int(random.next() % UInt64(choices))
            if pick < leaves.count { return (leaves[pick], leaves[pick]) }
            return ("mq", "(" + macroBody! + ")")
        }
        let a = expression(depth: depth - 1, macroBody: macroBody, random: &random)
        let b = expression(depth: depth - 1, macroBody: macroBody, random: &random)
        func both(_ form: (String, String) -> String) -> (used: String, writtenOut: String) {
            (form(a.used, b.used), form(a.writtenOut, b.writtenOut))
        }
        switch random.next() % 6 {
        case 0: return both { "(\($0) + \($1))" }
        case 1: return both { "(\($0) - \($1))" }
        case 2: return both { "(\($0) * \($1))" }
        case 3: return both { "(\($0) > \($1) ? \($0) : \($1))" }
        case 4: return both { a, _ in "numbers.map(w, \(a)).sum()" }
        default: return both { a, _ in "numbers.filter(v, v > \(a)).size()" }
        }
    }
}
