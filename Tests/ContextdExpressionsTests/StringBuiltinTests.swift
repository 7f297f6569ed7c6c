import ContextdEvents
import ContextdExpressions
import Testing

@Suite struct StringBuiltinTests {
    let harness = Harness()

    @Test(arguments: [
        ("size('héllo')", Value.number(5)),
        ("size([1, 2])", .number(2)),
        ("size(x)", .number(6)),
        ("'abc'.size()", .number(3)),
        ("contains('/pricing/enterprise', '/pricing')", .bool(true)),
        ("'/docs'.contains('/pricing')", .bool(false)),
        ("'/pricing'.contains('/pricing')", .bool(true)),
        ("'/pri'.contains('/pricing')", .bool(false)),
        ("'abc'.contains('')", .bool(true)),
        ("'/enterprise/pricing'.contains('pricing')", .bool(true)),
        // Not ASCII: characters, not bytes, as Swift compares them ("é" as e + U+0301 has no "e").
        ("'caf\u{65}\u{301}'.contains('e')", .bool(false)),
        ("'café'.contains('é')", .bool(true)),
        ("[1, 2].contains(2)", .bool(true)),
        ("startsWith('queue:fraud', 'queue:')", .bool(true)),
        ("'queue:fraud'.endsWith('fraud')", .bool(true)),
        ("'queue:fraud'.endsWith('queue')", .bool(false)),
        ("lower('MiXeD')", .string("mixed")),
        ("'MiXeD'.upper()", .string("MIXED")),
        ("trim('  padded \\t')", .string("padded")),
        ("trim('   ')", .string("")),
        ("matches('ORD-1234', '^ORD-[0-9]+$')", .bool(true)),
        ("'order ORD-1234 placed'.matches('ORD-\\d{4}')", .bool(true)),
        ("matches('ord-12', '^ORD')", .bool(false)),
        ("split('a,b,,c', ',')", .list([.string("a"), .string("b"), .string(""), .string("c")])),
        ("'a::b'.split('::')", .list([.string("a"), .string("b")])),
        ("split('ab', '')", .list([.string("a"), .string("b")])),
        ("join(['a', 'b', 'c'], ', ')", .string("a, b, c")),
        ("[1, 2.5, true, null].join('|')", .string("1|2.5|true|")),
        ("join(['x', 'y'])", .string("xy")),
        ("string(42)", .string("42")),
        ("string(0.1)", .string("0.1")),
        ("string(event.time)", .string("2026-11-22T10:40:00Z")),
        ("string(duration('90m'))", .string("1h30m")),
        ("string(null)", .string("")),
        ("string([1, 'a'])", .string(#"[1,"a"]"#)),
        ("double('12.5')", .number(12.5)),
        ("double(' 3 ')", .number(3)),
        ("double(true)", .number(1)),
        ("double(7)", .number(7)),
    ])
    func strings(source: String, expected: Value) {
        #expect(harness.value(source) == expected)
    }
}
