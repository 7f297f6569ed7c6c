import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// `GET /task?id=ID`: one task's whole record and where it is; with `explain=1`, its
/// explanation — the text `contextd explain ID` prints, from the same function
/// (``StoredExplanation/report(taskID:)`` in ContextdStore). The id travels in the query:
/// an id may hold a `/`, which a path segment cannot carry through every proxy.
///
/// A task outside the caller's assignee prefixes is a 404 worded like a missing one, so a
/// scoped token cannot learn that it exists.
extension Console {
    func task(_ viewer: ConsoleLayout.Viewer, _ request: Request) async throws -> HTML {
        let query = FormFields(request.uri.query ?? "")
        let id = query["id"] ?? ""
        guard let task = try await store.browsedTask(id: id, scope: viewer.caller.assignees) else {
            throw APIError(.notFound, "not_found", "no task '\(id)' (or not one your token may see)")
        }
        let explaining = query["explain"] == "1"
        let explanation = explaining ? try await store.explanation(of: id) : nil
        let record = task.record
        return ConsoleLayout.document(title: "Task " + record.id, section: .tasks, viewer: viewer) {
            HTML.element("p", [("class", "lead")]) { record.what }
            TaskView(task: task).body
            HTML.element("section", [("aria-labelledby", "h-explain")]) {
                HTML.element("h2", [("id", "h-explain")]) { "Explanation" }
                if let explanation {
                    HTML.element("p", [("class", "hint")]) { "As contextd explain \(record.id) prints it." }
                    HTML.element("pre", [("class", "raw explain")]) { explanation.report(taskID: id) }
                } else if explaining {
                    HTML.element("p", [("class", "empty")]) { "No explanation stored for this task." }
                } else {
                    HTML.element("p") {
                        HTML.element("a", [("href", TaskTable.taskPath(id) + "&explain=1")]) {
                            "Explain: conditions, context read, score contributions, policy steps"
                        }
                    }
                }
            }
        }
    }
}

/// A task's fields as a description list, scores with their contributions, and evidence.
struct TaskView {
    let task: BrowsedTask

    var body: HTML {
        let record = task.record
        return .element("dl", [("class", "record")]) {
            item("Id") { HTML.element("code") { record.id } }
            item("Rule") { HTML.element("a", [("href", "/tasks?rule=" + Console.queryValue(record.rule))]) { record.rule } }
            item("Subject") { HTML.element("a", [("href", TaskTable.subjectPath(record.subject))]) { record.subject } }
            item("Assignee") { record.assignee }
            item("Priority") { TaskTable.priority(record.priority) }
            item("State") { state }
            item("What") { record.what }
            item("Where") { record.where }
            item("How") { record.how.isEmpty ? "—" : record.how.joined(separator: ", ") }
            item("Why") { record.why }
            item("Created") { record.createdAt.rfc3339 }
            item("Not before") { record.notBefore?.rfc3339 ?? "—" }
            item("Expires") { record.expiresAt?.rfc3339 ?? "—" }
            if let deferredBy = record.deferredBy { item("Deferred by") { deferredBy } }
            if let delivered = task.deliveredAt { item("Delivered") { delivered.rfc3339 } }
            if let acked = task.ackedAt { item("Acked") { acked.rfc3339 } }
            if !record.tags.isEmpty { item("Tags") { record.tags.joined(separator: ", ") } }
            item("Evidence") {
                HTML.element("ul", [("class", "plain")]) {
                    for event in record.evidence { HTML.element("li") { HTML.element("code") { event } } }
                }
            }
            if !record.scores.isEmpty { item("Scores") { scores } }
            if !record.data.isEmpty { item("Data") { HTML.element("code") { JSON.encode(.object(record.data)) } } }
        }
    }

    private var state: String {
        var text = task.stateText
        if task.attempts > 0 { text += task.attempts == 1 ? ", leased once" : ", leased \(task.attempts) times" }
        if let holder = task.leaseHolder, task.delivery == .leased {
            text += " by " + holder + (task.leaseUntil.map { " until " + $0.rfc3339 } ?? "")
        }
        if let note = task.note { text += " — " + note }
        return text
    }

    private var scores: HTML {
        .element("table", [("class", "scores")]) {
            HTML.element("thead") {
                HTML.element("tr") {
                    for title in ["Score", "Value", "Feature", "Feature value", "Contribution"] {
                        HTML.element("th", [("scope", "col")]) { title }
                    }
                }
            }
            HTML.element("tbody") {
                for (name, score) in task.record.scores.sorted(by: { $0.key < $1.key }) {
                    HTML.element("tr") {
                        HTML.element("th", [("scope", "row")]) { name }
                        HTML.element("td", [("class", "number")]) { Self.number(score.value) }
                        HTML.element("td", [("colspan", "3")]) { score.contributions.isEmpty ? "—" : "" }
                    }
                    for contribution in score.contributions {
                        HTML.element("tr", [("class", "contribution")]) {
                            HTML.element("td") { "" }
                            HTML.element("td") { "" }
                            HTML.element("td") { contribution.feature }
                            HTML.element("td") { HTML.element("code") { JSON.encode(contribution.value) } }
                            HTML.element("td", [("class", "number")]) { Self.number(contribution.contribution) }
                        }
                    }
                }
            }
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String((value * 10_000).rounded() / 10_000)
    }

    private func item(_ term: String, @HTMLBuilder _ value: () -> HTML) -> HTML {
        .element("div", [("class", "figure")]) {
            HTML.element("dt") { term }
            HTML.element("dd") { value() }
        }
    }
}
