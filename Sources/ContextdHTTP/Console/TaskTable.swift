import ContextdEngine
import ContextdEvents
import ContextdStore

/// The task list the Tasks page and a subject's page both show: one row per task, newest
/// first, each linking to the task's page and its subject's page, and "Older" to go on.
struct TaskTable {
    let page: TaskBrowsePage
    /// The query string of the filters in force (without the cursor), kept by the "Older" link.
    let filters: [(String, String)]
    /// The page the "Older" link goes to.
    let path: String

    var body: HTML {
        if page.tasks.isEmpty {
            return .element("p", [("class", "empty")]) { "No tasks." }
        }
        return .element("div", [("class", "scroll")]) {
            HTML.element("table", [("class", "tasks")]) {
                HTML.element("thead") {
                    HTML.element("tr") {
                        for title in ["Created", "Rule", "Subject", "Assignee", "Priority", "State", "What", "Where / how", "Why"] {
                            HTML.element("th", [("scope", "col")]) { title }
                        }
                    }
                }
                HTML.element("tbody") {
                    for task in page.tasks { Self.row(task) }
                }
            }
        } + navigation
    }

    private var navigation: HTML {
        guard let next = page.next else { return .empty }
        let query = (filters + [("before", next.token)]).map { $0.0 + "=" + Console.queryValue($0.1) }
        return .element("nav", [("class", "pages"), ("aria-label", "More tasks")]) {
            HTML.element("a", [("href", path + "?" + query.joined(separator: "&")), ("rel", "next")]) { "Older tasks" }
        }
    }

    static func row(_ task: BrowsedTask) -> HTML {
        let record = task.record
        return .element("tr") {
            HTML.element("td", [("class", "time")]) {
                HTML.element("a", [("href", taskPath(record.id)), ("aria-label", "Task " + record.id)]) {
                    record.createdAt.rfc3339
                }
            }
            HTML.element("td") { record.rule }
            HTML.element("td") { HTML.element("a", [("href", subjectPath(record.subject))]) { record.subject } }
            HTML.element("td") { record.assignee }
            HTML.element("td", [("class", "number")]) { priority(record.priority) }
            HTML.element("td") { task.stateText }
            HTML.element("td") { record.what }
            HTML.element("td") { whereHow(record) }
            HTML.element("td") { record.why }
        }
    }

    static func taskPath(_ id: String) -> String { "/task?id=" + Console.queryValue(id) }
    static func subjectPath(_ subject: String) -> String { "/subject?subject=" + Console.queryValue(subject) }

    static func whereHow(_ record: TaskRecord) -> String {
        record.how.isEmpty ? record.where : record.where + " · " + record.how.joined(separator: ", ")
    }

    static func priority(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String((value * 100).rounded() / 100)
    }
}
