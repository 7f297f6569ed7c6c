import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// `GET /`: the daemon's ``StatusReport`` as a page. Complete when loaded (no script needed to
/// read it); `console.js` then polls `/v1/status` every second and writes the new numbers into
/// the elements marked `data-status="<path in the JSON>"`, and redraws the lists and the chart,
/// so a new task shows within two seconds without a reload.
extension Console {
    func overview(_ viewer: ConsoleLayout.Viewer) async throws -> HTML {
        let report = await probe.status()
        return ConsoleLayout.document(title: "Overview", section: .overview, viewer: viewer) {
            HTML.element("noscript") {
                HTML.element("p") {
                    "This page shows the status when it was loaded. "
                    HTML.element("a", [("href", "/")]) { "Refresh" }
                }
            }
            if let report {
                OverviewView(report: report).body
            } else {
                HTML.element("p", [("class", "empty")]) { "No status to show: the daemon has not reported one yet." }
            }
        }
    }
}

/// The overview's sections, each number in an element whose `data-status` names its JSON path.
struct OverviewView {
    let report: StatusReport

    var body: HTML {
        HTML.element("div", [("class", "overview"), ("data-live", "/v1/status")]) {
            readiness
            clocks
            spools
            tasks
            rules
            events
            store
            chart
        }
    }

    /// A value as both the page and console.js write it.
    static func show(_ value: Double?) -> String {
        guard let value else { return "—" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String((value * 10).rounded() / 10)
    }

    private func figure(_ label: String, _ path: String, _ value: String) -> HTML {
        ConsoleLayout.figure(label, value, status: path)
    }

    private func number(_ label: String, _ path: String, _ value: Int) -> HTML {
        figure(label, path, String(value))
    }

    private var readiness: HTML {
        .element("section", [("class", "card"), ("aria-labelledby", "h-ready")]) {
            HTML.element("h2", [("id", "h-ready")]) { "Daemon" }
            HTML.element("dl") {
                figure("Ready", "ready", report.ready ? "yes" : "no")
                figure("Version", "version", report.version)
                figure("Started", "started_at", report.startedAt)
            }
            HTML.element("ul", [("data-status-list", "not_ready"), ("class", "problems")]) {
                for reason in report.notReady { HTML.element("li") { reason } }
            }
        }
    }

    private var clocks: HTML {
        .element("section", [("class", "card"), ("aria-labelledby", "h-clock")]) {
            HTML.element("h2", [("id", "h-clock")]) { "Clocks" }
            HTML.element("dl") {
                figure("Engine clock", "clock.engine", report.clock.engine ?? "—")
                figure("Wall clock", "clock.wall", report.clock.wall)
                figure("Lag (s)", "clock.lag_seconds", Self.show(report.clock.lagSeconds))
                figure("Follows wall clock", "clock.follows_wall_clock", report.clock.followsWallClock ? "yes" : "no")
            }
        }
    }

    private var spools: HTML {
        .element("section", [("class", "card wide"), ("aria-labelledby", "h-spools")]) {
            HTML.element("h2", [("id", "h-spools")]) { "Spools" }
            HTML.element("table") {
                HTML.element("thead") {
                    HTML.element("tr") {
                        for title in ["Spool", "new/", "cur/", "In progress", "Done (1 h)", "Rejected (1 h)"] {
                            HTML.element("th", [("scope", "col")]) { title }
                        }
                    }
                }
                HTML.element("tbody", [("data-status-list", "spools")]) {
                    for spool in report.spools { Self.spoolRow(spool) }
                }
            }
            HTML.element("h3") { "Last rejects" }
            HTML.element("ul", [("data-status-list", "last_rejects")]) {
                for spool in report.spools {
                    for reject in spool.lastRejects {
                        HTML.element("li") { "\(spool.name): \(reject.file) (\(reject.at)): \(reject.reason)" }
                    }
                }
            }
        }
    }

    static func spoolRow(_ spool: StatusReport.SpoolStatus) -> HTML {
        .element("tr") {
            HTML.element("th", [("scope", "row")]) { spool.name }
            HTML.element("td", [("class", "number")]) { String(spool.new) }
            HTML.element("td", [("class", "number")]) { String(spool.cur) }
            HTML.element("td") {
                if let file = spool.inProgress {
                    "\(file.file): \(file.done) of \(file.total.map(String.init) ?? "?")"
                } else {
                    "—"
                }
            }
            HTML.element("td", [("class", "number")]) { String(spool.doneLastHour) }
            HTML.element("td", [("class", "number")]) { String(spool.rejectedLastHour) }
        }
    }

    private var tasks: HTML {
        let tally = report.tasks
        return .element("section", [("class", "card"), ("aria-labelledby", "h-tasks")]) {
            HTML.element("h2", [("id", "h-tasks")]) { "Tasks" }
            HTML.element("dl") {
                number("Pending", "tasks.pending", tally.pending)
                number("Deferred", "tasks.deferred", tally.deferred)
                number("Written", "tasks.written", tally.written)
                number("Queued", "tasks.queued", tally.queued)
                number("Leased", "tasks.leased", tally.leased)
                for outcome in ["done", "accepted", "rejected"] {
                    number("Acked \(outcome)", "tasks.acked.\(outcome)", tally.acked[outcome] ?? 0)
                }
                number("Expired", "tasks.expired", tally.expired)
                number("Expired on arrival", "tasks.expired_on_arrival", tally.expiredOnArrival)
                number("Dead letters", "tasks.dead", tally.dead)
                number("Outbox depth", "tasks.outbox_depth", tally.outboxDepth)
            }
        }
    }

    private var rules: HTML {
        let reload = report.rules.lastReload
        return .element("section", [("class", "card"), ("aria-labelledby", "h-rules")]) {
            HTML.element("h2", [("id", "h-rules")]) { "Rules" }
            HTML.element("dl") {
                number("Rules", "rules.count", report.rules.count)
                figure("Last reload", "rules.last_reload.at", reload.at)
                figure("Reload ok", "rules.last_reload.ok", reload.ok ? "yes" : "no")
            }
            HTML.element("ul", [("data-status-list", "rules.last_reload.errors"), ("class", "problems")]) {
                for error in reload.errors {
                    HTML.element("li") { "\(error.file):\(error.line):\(error.column): \(error.message)" }
                }
            }
        }
    }

    private var events: HTML {
        let events = report.events
        return .element("section", [("class", "card"), ("aria-labelledby", "h-events")]) {
            HTML.element("h2", [("id", "h-events")]) { "Events" }
            HTML.element("dl") {
                number("Taken", "events.total", events.total)
                figure("Per second", "events.per_second", Self.show(events.perSecond))
                number("Duplicates", "events.duplicates", events.duplicates)
                number("Rejected", "events.rejected", events.rejected)
                number("Late (set aside)", "events.late", events.late)
                number("Future (set aside)", "events.future", events.future)
            }
        }
    }

    private var store: HTML {
        let store = report.store
        return .element("section", [("class", "card"), ("aria-labelledby", "h-store")]) {
            HTML.element("h2", [("id", "h-store")]) { "Store" }
            HTML.element("dl") {
                figure("Kind", "store.kind", store.kind)
                figure("Location", "store.location", store.location)
                figure("Size (bytes)", "store.size_bytes", store.sizeBytes.map(String.init) ?? "—")
                figure("Last commit", "store.last_commit", store.lastCommit ?? "—")
                figure("Last error", "store.last_error", store.lastError ?? "—")
            }
        }
    }

    /// Events and tasks per minute over the last hour as two lines in an inline SVG (no image
    /// file, no chart library); a table under it says the same in words for screen readers.
    private var chart: HTML {
        let minutes = report.lastHour
        return .element("section", [("class", "card wide"), ("aria-labelledby", "h-chart")]) {
            HTML.element("h2", [("id", "h-chart")]) { "Last hour (per minute)" }
            HTML.element("svg", [("id", "chart"), ("viewBox", "0 0 600 120"), ("role", "img"),
                ("aria-label", "Events and tasks per minute over the last hour"), ("preserveAspectRatio", "none")])
            {
                HTML.element("polyline", [("class", "events"), ("data-series", "events"),
                    ("points", Self.points(minutes.map(\.events)))])
                HTML.element("polyline", [("class", "tasks"), ("data-series", "tasks"),
                    ("points", Self.points(minutes.map(\.tasks)))])
            }
            HTML.element("p", [("class", "legend")]) {
                HTML.element("span", [("class", "key events")]) { "events" }
                " "
                HTML.element("span", [("class", "key tasks")]) { "tasks" }
                " · last minute: "
                HTML.element("span", [("data-status", "last_hour.-1.events")]) { String(minutes.last?.events ?? 0) }
                " events, "
                HTML.element("span", [("data-status", "last_hour.-1.tasks")]) { String(minutes.last?.tasks ?? 0) }
                " tasks"
            }
        }
    }

    /// The polyline of one series, scaled to the chart's 600×120 box (console.js computes the
    /// same points, rounded to whole units).
    static func points(_ values: [Int]) -> String {
        guard !values.isEmpty else { return "" }
        let top = max(1, values.max() ?? 1)
        let step = values.count > 1 ? 600.0 / Double(values.count - 1) : 0
        return values.enumerated().map { index, value in
            "\(Int((Double(index) * step).rounded())),\(Int((115 - Double(value) / Double(top) * 110).rounded()))"
        }.joined(separator: " ")
    }
}
