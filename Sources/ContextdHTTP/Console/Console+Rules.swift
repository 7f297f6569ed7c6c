import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// `GET /rules`: the last reload (and each of its errors, listed at the top and shown again at
/// its line in its file's listing), each rule in force with its description, file, counters
/// (``StatusReport/rules``) and its YAML lines, and every rule file with numbered lines.
///
/// A file whose load failed has no rule in force, but it is still listed, with its errors
/// where they are, so the operator sees what to fix in the text that is there now.
extension Console {
    func rules(_ viewer: ConsoleLayout.Viewer) async throws -> HTML {
        let report = await probe.status()
        let errors = report?.rules.lastReload.errors ?? []
        let (listings, more) = RuleFileListing.all(ruleFiles, errors: errors)
        let page = RulesPage(report: report?.rules, listings: listings)
        return ConsoleLayout.document(title: "Rules", section: .rules, viewer: viewer) {
            page.reload
            page.ruleList
            HTML.element("section", [("aria-labelledby", "h-files")]) {
                HTML.element("h2", [("id", "h-files")]) { "Rule files" }
                if listings.isEmpty { HTML.element("p", [("class", "empty")]) { "No rule files found." } }
                for (index, listing) in listings.enumerated() { page.fileView(listing, index: index) }
                if more {
                    HTML.element("p", [("class", "hint")]) { "The first \(RuleFileListing.maxFiles) files are listed." }
                }
            }
        }
    }
}

/// The parts of the Rules page.
struct RulesPage {
    let report: StatusReport.RulesStatus?
    let listings: [RuleFileListing]

    /// Where file `path`'s line `line` is on the page; nil when the file is not listed or
    /// could not be read (its lines have no anchors).
    func anchor(_ path: String?, line: Int) -> String? {
        guard let index = listings.firstIndex(where: { $0.path == path }), listings[index].file != nil else { return nil }
        return "#" + RuleFileListing.anchor(file: index, line: line)
    }

    var reload: HTML {
        .element("section", [("aria-labelledby", "h-reload")]) {
            HTML.element("h2", [("id", "h-reload")]) { "Last reload" }
            if let report {
                let reload = report.lastReload
                HTML.element("p", [("class", reload.ok ? "notice" : "problem")]) {
                    reload.at + ": " + (reload.ok
                        ? "loaded, \(report.count) rules in force"
                        : "failed, \(reload.errors.count) errors; the \(report.count) rules loaded before stay in force")
                }
                if !reload.errors.isEmpty {
                    HTML.element("ul", [("class", "problems")]) {
                        for error in reload.errors {
                            HTML.element("li") {
                                let place = "\(error.file):\(error.line):\(error.column)"
                                if let anchor = anchor(error.file, line: error.line) {
                                    HTML.element("a", [("href", anchor)]) { place }
                                } else {
                                    place
                                }
                                ": " + error.message
                            }
                        }
                    }
                }
            } else {
                HTML.element("p", [("class", "empty")]) { "No status from the daemon yet: counters and reloads unknown." }
            }
        }
    }

    var ruleList: HTML {
        guard let report else { return .empty }
        return .element("section", [("aria-labelledby", "h-rules")]) {
            HTML.element("h2", [("id", "h-rules")]) { "Rules in force (\(report.rules.count))" }
            if report.rules.isEmpty { HTML.element("p", [("class", "empty")]) { "No rules." } }
            for rule in report.rules { ruleView(rule) }
        }
    }

    private func ruleView(_ rule: StatusReport.RuleStatus) -> HTML {
        let listing = listings.first { $0.path == rule.file }
        let span = listing?.rules.first { $0.id == rule.id }?.lines
        return .element("article", [("class", "rule"), ("id", "rule-" + rule.id)]) {
            HTML.element("h3") { HTML.element("code") { rule.id } }
            if let description = rule.description, !description.isEmpty { HTML.element("p") { description } }
            if let file = rule.file {
                HTML.element("p", [("class", "hint")]) {
                    if let anchor = anchor(file, line: span?.lowerBound ?? 1) {
                        HTML.element("a", [("href", anchor)]) { file + (span.map { ":\($0.lowerBound)" } ?? "") }
                    } else {
                        file
                    }
                }
            }
            HTML.element("dl", [("class", "counters")]) {
                ConsoleLayout.figure("Evaluations", "\(rule.evaluations)")
                ConsoleLayout.figure("Matches", "\(rule.matches)")
                ConsoleLayout.figure("Tasks", "\(rule.tasks)")
                ConsoleLayout.figure("Suppressed", rule.suppressed.isEmpty ? "0"
                    : rule.suppressed.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
                ConsoleLayout.figure("Errors", "\(rule.errors)")
            }
            if let last = rule.lastError {
                HTML.element("p", [("class", "problem")]) {
                    "Last error (\(last.at)" + (last.event.map { ", event " + $0 } ?? "") + "): " + last.message
                }
            }
            if let listing, let file = listing.file, let span {
                HTML.element("details") {
                    HTML.element("summary") { "YAML (lines \(span.lowerBound)–\(span.upperBound))" }
                    lines(file, span, errors: listing.errors, anchors: nil)
                }
            }
        }
    }

    func fileView(_ listing: RuleFileListing, index: Int) -> HTML {
        .element("section", [("class", "rule-file"), ("aria-labelledby", "file-\(index)")]) {
            HTML.element("h3", [("id", "file-\(index)")]) {
                HTML.element("code") { listing.path }
                if !listing.errors.isEmpty {
                    HTML.element("span", [("class", "problem")]) {
                        " · \(listing.errors.count) error\(listing.errors.count == 1 ? "" : "s")"
                    }
                }
            }
            if let file = listing.file {
                HTML.element("details", [("open", listing.errors.isEmpty ? nil : "")]) {
                    HTML.element("summary") {
                        "\(file.lines.count) lines" + (listing.rules.isEmpty ? "" : ", rules "
                            + listing.rules.map(\.id).joined(separator: ", "))
                    }
                    lines(file, 1...max(1, file.lines.count), errors: listing.errors, anchors: index)
                    file.cutHint(maxLines: RuleFileListing.maxLines)
                }
            } else {
                HTML.element("p", [("class", "empty")]) { "This file cannot be read." }
                for error in listing.errors {
                    HTML.element("p", [("class", "problem")]) { "line \(error.line), column \(error.column): " + error.message }
                }
            }
        }
    }

    /// Lines `range` of a file with their numbers; a line with an error is marked and its
    /// messages follow it. `anchors` (the listing's index) gives each line an id to link to.
    private func lines(
        _ file: BoundedFile, _ range: ClosedRange<Int>, errors: [StatusReport.Located], anchors: Int?
    ) -> HTML {
        .element("div", [("class", "listing"), ("role", "group")]) {
            for number in range where number <= file.lines.count {
                let here = errors.filter { $0.line == number }
                HTML.element("div", [
                    ("class", here.isEmpty ? "line" : "line error"),
                    ("id", anchors.map { RuleFileListing.anchor(file: $0, line: number) }),
                ]) {
                    HTML.element("span", [("class", "n")]) { "\(number)" }
                    HTML.element("code") { file.lines[number - 1] }
                }
                for error in here {
                    HTML.element("div", [("class", "message"), ("role", "note")]) {
                        "↑ line \(error.line), column \(error.column): " + error.message
                    }
                }
            }
            // An error past the lines read (or on no line) still shows, after them.
            for error in errors where error.line > file.lines.count || error.line < 1 {
                HTML.element("div", [("class", "message"), ("role", "note")]) {
                    "line \(error.line), column \(error.column): " + error.message
                }
            }
        }
    }
}
