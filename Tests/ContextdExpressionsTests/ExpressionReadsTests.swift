import ContextdEvents
import ContextdExpressions
import Testing

/// What an expression may read, as the engine uses it to skip recomputing timers.
@Suite struct ExpressionReadsTests {
    @Test func fieldsOfALazyRecordAndPlainSlotsAreListed() throws {
        let harness = Harness()
        let reads = try harness.compile("context.balance.amount > x.a && has(context.device)").get().reads
        #expect(reads.reads(harness.context))
        #expect(reads.fields(of: harness.context) == ["balance", "device"])
        #expect(reads.reads(harness.payload))
        #expect(!reads.reads(harness.now))
        #expect(reads.readsOnly([harness.context, harness.payload]))
        #expect(!reads.readsOnly([harness.context]))
        #expect(!reads.readsAnything)
    }

    @Test func readsThroughBindingsAndMacrosCount() throws {
        var harness = Harness()
        try harness.environment.defineMacro("recent", source: "context.visits_7d + numbers.size()")
        harness.environment.bind("late", to: try harness.compile("now - duration(\"1h\")").get())
        let reads = try harness.compile("recent > 2 ? late : event.time").get().reads
        #expect(reads.fields(of: harness.context) == ["visits_7d"])
        for slot in [harness.context, harness.numbers, harness.now, harness.event] { #expect(reads.reads(slot)) }
        #expect(!reads.reads(harness.payload))
    }

    @Test func aConstantReadsNothingAndAHostFunctionMayReadAnything() throws {
        var harness = Harness()
        #expect(try harness.compile("duration(\"5d\") * 2").get().reads.readsOnly([]))
        harness.environment.register(EnvironmentTests.counting(Recorder()))
        let reads = try harness.compile("expensive(1) > 0").get().reads
        #expect(reads.readsAnything)
        #expect(reads.reads(harness.now))
        #expect(!reads.readsOnly([harness.context]))
    }
}
