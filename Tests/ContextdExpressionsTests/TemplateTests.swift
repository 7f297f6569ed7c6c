import ContextdEvents
import ContextdExpressions
import Testing

@Suite struct TemplateTests {
    let harness = Harness()

    func render(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let template = try Template.compile(source, in: harness.environment).get()
        return try template.render(harness.makeActivation())
    }

    @Test(arguments: [
        ("card used in {{ event.data.city }}", "card used in Paris"),
        ("{{ format_duration(now - event.time) }} later", "1 h 20 min later"),
        ("{{ minutes(now - event.time) | format_number }} minutes later", "80 minutes later"),
        ("{{ distance_km(context.last_location, event.data) | format_number }} km", "5,837 km"),
        ("{{ 9216.45 | format_number(1) }}", "9,216.5"),
        ("{{ event.data.city | lower | upper }}", "PARIS"),
        ("{{ event.time | format_time('DD.MM.YYYY HH:mm') }}", "22.11.2026 10:40"),
        ("due {{ payments[0].due | format_date }}", "due 2026-12-01"),
        ("{{ event.data.amount }} / {{ 0.5 }} / {{ 1e21 }}", "250 / 0.5 / 1e+21"),
        ("{{ event.time }}", "2026-11-22T10:40:00Z"),
        ("{{ duration('90m') }}", "1h30m"),
        ("[{{ x.n }}]", "[]"),
        ("{{ x.list }} {{ x.nested }}", #"[1,2,3] {"deep":"yes"}"#),
        ("{{ true }}/{{ x.s }}", "true/text"),
        ("{{ \"{{\" }} literal {{ '}}' }}", "{{ literal }}"),
        ("{{ {'a': {'b': 1}}.a.b }}", "1"),
        ("no holes at all", "no holes at all"),
        ("", ""),
        ("a } b }} c {", "a } b }} c {"),
        ("{{x.a}}{{x.a}}", "11"),
        ("multi\nline {{ event.id }}\n", "multi\nline e2\n"),
        ("{{ payments.filter(p, p.amount > 100).map(p, p.id) | join(', ') }}", "p1, p3"),
    ])
    func renders(source: String, expected: String) throws {
        #expect(try render(source) == expected)
    }

    @Test(arguments: [
        ("plain text", true),
        ("{{ 'queue:' + 'fraud' }}", true),
        ("priority {{ 90 + 5 }}", true),
        ("{{ event.id }}", false),
        ("fixed {{ now }}", false),
    ])
    func constantDetection(source: String, constant: Bool) throws {
        let template = try Template.compile(source, in: harness.environment).get()
        #expect(template.isConstant == constant)
        if constant { #expect(template.constantText == (try render(source))) }
    }

    @Test(arguments: [
        ("hello {{ evnt.id }}", "unknown identifier 'evnt'; did you mean 'event'?", SourceRange(start: 9, end: 13)),
        (
            "hello {{ event.id ", "expected '}}' to close '{{' opened at column 7, found the end of the template",
            SourceRange(start: 18, end: 18)
        ),
        ("a {{ }} b", "empty '{{ }}'; put an expression inside", SourceRange(start: 2, end: 6)),
        ("{{ x | 5 }}", "expected a function name after '|', found '5'", SourceRange(start: 7, end: 8)),
        ("{{ event.id | lowr }}", "unknown function 'lowr'; did you mean 'lower'?", SourceRange(start: 14, end: 18)),
        (
            "{{ event.time | format_number }}", "argument 1 of 'format_number' must be a number, not timestamp",
            SourceRange(start: 3, end: 13)
        ),
        ("{{ x ) }}", "expected '}}' to close '{{' opened at column 1, found ')'", SourceRange(start: 5, end: 6)),
    ])
    func templateErrors(source: String, message: String, range: SourceRange) {
        let diagnostics = Template.compile(source, in: harness.environment).failure
        #expect(diagnostics?.map(\.message) == [message])
        #expect(diagnostics?.first?.range == range)
    }

    @Test func everyHoleIsChecked() {
        let diagnostics = Template.compile("{{ evnt }} and {{ size(3) }} and {{ x.a", in: harness.environment).failure
        #expect(diagnostics?.count == 3)
        #expect(diagnostics?.map(\.range.start) == [3, 23, 39])
    }

    @Test func renderingFailuresPointIntoTheTemplate() throws {
        let source = "amount {{ x.missing | format_number }}"
        let template = try Template.compile(source, in: harness.environment).get()
        #expect {
            try template.render(harness.makeActivation())
        } throws: { error in
            let error = error as? EvaluationError
            return error?.message == "no field 'missing' in map" && error?.range == range(of: "x.missing", in: source)
                && error?.source == source
        }
    }
}
