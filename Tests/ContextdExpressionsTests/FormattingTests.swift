import ContextdEvents
import ContextdExpressions
import Testing

@Suite struct FormattingTests {
    let harness = Harness()

    @Test(arguments: [
        ("format_number(5837.2)", "5,837"),
        ("format_number(9216.45, 1)", "9,216.5"),
        ("format_number(999.5)", "1,000"),
        ("format_number(-1234567.891, 2)", "-1,234,567.89"),
        ("format_number(2.675, 2)", "2.68"),
        ("format_number(0.5)", "1"),
        ("format_number(-0.5)", "-1"),
        ("format_number(-0.04, 1)", "0.0"),
        ("format_number(12, 2)", "12.00"),
        ("format_number(100)", "100"),
        ("format_number(1000)", "1,000"),
        ("format_number(0.00001, 3)", "0.000"),
        ("format_number(1e21)", "1,000,000,000,000,000,000,000"),
        ("format_time(event.time, 'YYYY-MM-DD HH:mm')", "2026-11-22 10:40"),
        ("format_time(timestamp('2026-01-02T03:04:05.067Z'), 'DD/MM/YYYY HH:mm:ss.SSS')", "02/01/2026 03:04:05.067"),
        ("format_time(event.time, 'at HH h, YYYY!')", "at 10 h, 2026!"),
        // A letter not repeated as often as its token is text; a longer run is the token, then text.
        ("format_time(event.time, 'YYY-M-D H m s S')", "YYY-M-D H m s S"),
        ("format_time(event.time, 'HHH:mmm YYYYY')", "10H:40m 2026Y"),
        ("format_time(timestamp('0007-03-04T05:06:07.008Z'), 'YYYY·MM·DD SSS — día')", "0007·03·04 008 — día"),
        ("format_time(timestamp('2026-11-22T10:40:00+05:00'), 'HH:mm')", "05:40"),
        ("format_date(event.time)", "2026-11-22"),
        ("format_duration(duration('38m'))", "38 min"),
        ("format_duration(duration('2h5m'))", "2 h 5 min"),
        ("format_duration(duration('2h5m59s'))", "2 h 5 min"),
        ("format_duration(duration('3d4h'))", "3 d 4 h"),
        ("format_duration(duration('3d30m'))", "3 d"),
        ("format_duration(duration('2h'))", "2 h"),
        ("format_duration(duration('45s'))", "45 s"),
        ("format_duration(duration('0s'))", "0 s"),
        ("format_duration(-duration('90m'))", "-1 h 30 min"),
        ("format_duration(now - event.time)", "1 h 20 min"),
    ])
    func formats(source: String, expected: String) {
        #expect(harness.value(source) == .string(expected))
    }
}
