import ContextdEvents
import ContextdExpressions
import Testing

@Suite struct SyntaxErrorTests {
    let harness = Harness()

    @Test(arguments: [
        (
            "size(numbers", "expected ')' to close '(' opened at column 5, found the end of the expression",
            SourceRange(start: 12, end: 12)
        ),
        (
            "(1 + 2", "expected ')' to close '(' opened at column 1, found the end of the expression",
            SourceRange(start: 6, end: 6)
        ),
        (
            "size(x numbers)", "expected ')' to close '(' opened at column 5, found 'numbers'",
            SourceRange(start: 7, end: 14)
        ),
        (
            "[1, 2", "expected ']' to close '[' opened at column 1, found the end of the expression",
            SourceRange(start: 5, end: 5)
        ),
        (
            "{'a': 1", "expected '}' to close '{' opened at column 1, found the end of the expression",
            SourceRange(start: 7, end: 7)
        ),
        ("1 +", "expected an expression, found the end of the expression", SourceRange(start: 3, end: 3)),
        ("1 + * 2", "expected an expression, found '*'", SourceRange(start: 4, end: 5)),
        ("", "the expression is empty", SourceRange(start: 0, end: 0)),
        ("event.", "expected a field name after '.', found the end of the expression", SourceRange(start: 6, end: 6)),
        ("1 2", "unexpected '2' after the end of the expression", SourceRange(start: 2, end: 3)),
        (
            "x and x", "unexpected 'and' after the end of the expression; use '&&' for 'and'",
            SourceRange(start: 2, end: 5)
        ),
        ("'open", "unterminated string; close it with '", SourceRange(start: 0, end: 5)),
        ("1 # 2", "unexpected character '#'", SourceRange(start: 2, end: 3)),
        ("é", "unexpected character 'é'", SourceRange(start: 0, end: 2)),
        (
            "x ? 1", "expected ':' for the '?' at column 3, found the end of the expression",
            SourceRange(start: 5, end: 5)
        ),
        ("{1: 2}", "expected a key (a name or a string) in the map, found '1'", SourceRange(start: 1, end: 2)),
        ("{'a' 1}", "expected ':' after the key, found '1'", SourceRange(start: 5, end: 6)),
        ("(1)(2)", "only a function name can be called; '(1)' is not one", SourceRange(start: 3, end: 4)),
        ("x.a = 1", "use '==' to compare", SourceRange(start: 4, end: 5)),
        ("true & false", "use '&&' for 'and'", SourceRange(start: 5, end: 6)),
        ("true | false", "use '||' for 'or'", SourceRange(start: 5, end: 6)),
    ])
    func syntaxError(source: String, message: String, range: SourceRange) {
        let diagnostics = harness.diagnostics(source)
        #expect(diagnostics.first?.message == message)
        #expect(diagnostics.first?.range == range)
        #expect(diagnostics.count == 1, "\(diagnostics)")
    }

    @Test func aDurationWrittenAsANumberGetsAFix() {
        let diagnostics = harness.diagnostics("now - event.time > 12h")
        #expect(diagnostics.map(\.message) == [#"a duration is written duration("12h"), not 12h"#])
        #expect(diagnostics.first?.suggestion == #"duration("12h")"#)
        #expect(diagnostics.first?.range == SourceRange(start: 19, end: 22))
    }

    @Test func syntaxAndTypeErrorsAreReportedTogether() {
        let source = "size(3) > 1 && (event.tyep == 'x' || [1, 2"
        let diagnostics = harness.diagnostics(source)
        #expect(
            diagnostics.map(\.message) == [
                "argument 1 of 'size' must be a string, list or map, not number",
                "unknown field 'tyep' on event; did you mean 'type'?",
                "expected ']' to close '[' opened at column 38, found the end of the expression",
            ]
        )
    }

    @Test func columnsCountCharactersNotBytes() {
        let diagnostics = harness.diagnostics("size('é') + size(x")
        #expect(
            diagnostics.map(\.message) == [
                "expected ')' to close '(' opened at column 17, found the end of the expression"
            ]
        )
    }

    @Test func repairedOperatorsStillCompileTheRest() {
        let diagnostics = harness.diagnostics("x.a = 1 && evnt")
        #expect(
            diagnostics.map(\.message) == ["use '==' to compare", "unknown identifier 'evnt'; did you mean 'event'?"]
        )
    }

    @Test func hostileNestingIsAnErrorNotACrash() {
        let source = String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500)
        let diagnostics = harness.diagnostics(source)
        #expect(diagnostics.first?.message == "the expression is nested too deeply (more than 200 levels)")
        #expect(
            harness.diagnostics(String(repeating: "(", count: 150) + "1" + String(repeating: ")", count: 150)).isEmpty
        )
    }
}
