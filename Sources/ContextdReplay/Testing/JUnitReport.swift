public import ContextdRules

/// The JUnit XML that CI systems (Jenkins, GitLab, GitHub Actions reporters) read: one
/// `<testsuite>` per test file, one `<testcase>` per test, a `<failure>` with the diff.
public enum JUnitReport {
    public static func xml(_ files: [(path: String, results: [RuleTestResult], errors: [Diagnostic])]) -> String {
        var out = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        let tests = files.reduce(0) { $0 + max($1.results.count, $1.errors.isEmpty ? 0 : 1) }
        let failures = files.reduce(0) { $0 + $1.results.filter { !$0.passed }.count + ($1.errors.isEmpty ? 0 : 1) }
        out += #"<testsuites name="contextd test" tests="\#(tests)" failures="\#(failures)">"# + "\n"
        for file in files {
            let seconds = file.results.reduce(0) { $0 + $1.seconds }
            let failed = file.results.filter { !$0.passed }.count + (file.errors.isEmpty ? 0 : 1)
            out += #"  <testsuite name="\#(escape(file.path))" tests="\#(max(file.results.count, failed))" "#
                + #"failures="\#(failed)" time="\#(format(seconds))">"# + "\n"
            if !file.errors.isEmpty {
                out += #"    <testcase classname="\#(escape(file.path))" name="load" time="0">"# + "\n"
                out += #"      <failure message="the test file or its rules do not load">"#
                    + escape(file.errors.map(\.description).joined(separator: "\n")) + "</failure>\n"
                out += "    </testcase>\n"
            }
            for result in file.results {
                out += #"    <testcase classname="\#(escape(file.path))" name="\#(escape(result.test.name))" "#
                    + #"time="\#(format(result.seconds))""#
                if result.passed {
                    out += "/>\n"
                } else {
                    out += ">\n"
                    out += #"      <failure message="\#(escape(result.failures.first ?? ""))">"#
                        + escape(result.failures.joined(separator: "\n")) + "</failure>\n"
                    out += "    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }

    static func format(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded())
        return "\(millis / 1000).\(String(millis % 1000 + 1000).dropFirst())"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n", "\t": out.unicodeScalars.append(character)
            default:
                if character.value < 0x20 { out += "&#\(character.value);" } else { out.unicodeScalars.append(character) }
            }
        }
        return out
    }
}
