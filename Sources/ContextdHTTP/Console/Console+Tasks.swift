import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// `GET /tasks`: the newest tasks in the caller's scope, 50 a page (a keyset cursor,
/// `before=`), filtered by rule, subject, assignee prefix and state through a GET form that
/// keeps what was asked. Each row links to the task's page and its subject's page.
extension Console {
    static let tasksPerPage = 50

    func tasks(_ viewer: ConsoleLayout.Viewer, _ request: Request) async throws -> HTML {
        let query = FormFields(request.uri.query ?? "")
        let filter = TaskFilter(query)
        let page = try await store.browseTasks(filter.query(scope: viewer.caller.assignees,
            before: query["before"].flatMap(TaskCursor.init(token:)), limit: Self.tasksPerPage))
        return ConsoleLayout.document(title: "Tasks", section: .tasks, viewer: viewer) {
            filter.form
            if let problem = filter.problem { HTML.element("p", [("class", "problem"), ("role", "alert")]) { problem } }
            let table = TaskTable(page: page, filters: filter.fields, path: "/tasks").body
            // The newest page follows new tasks as they come (console.js); an older page stays put.
            if query["before"] == nil {
                HTML.element("div", [("data-refresh", "tasks")]) { table }
            } else {
                table
            }
        }
    }
}

/// The Tasks page's filters as the form sent them; an empty field filters nothing.
struct TaskFilter {
    var rule: String
    var subject: String
    var assignee: String
    var state: String

    init(_ fields: FormFields) {
        rule = fields["rule"] ?? ""
        subject = fields["subject"] ?? ""
        assignee = fields["assignee"] ?? ""
        state = fields["state"] ?? ""
    }

    /// A state the store does not know, said on the page (the list is then unfiltered by state).
    var problem: String? {
        guard !state.isEmpty, TaskBrowseQuery.State(name: state) == nil else { return nil }
        return "Unknown state '\(state)'; one of: " + TaskBrowseQuery.State.all.map(\.name).joined(separator: ", ") + "."
    }

    func query(scope: [String], before: TaskCursor?, limit: Int) -> TaskBrowseQuery {
        TaskBrowseQuery(scope: scope, rule: rule.isEmpty ? nil : rule, subject: subject.isEmpty ? nil : subject,
            assigneePrefix: assignee.isEmpty ? nil : assignee, state: TaskBrowseQuery.State(name: state),
            before: before, limit: limit)
    }

    /// The filters in force, for links that keep them.
    var fields: [(String, String)] {
        [("rule", rule), ("subject", subject), ("assignee", assignee), ("state", state)].filter { !$0.1.isEmpty }
    }

    var form: HTML {
        .element("form", [("method", "get"), ("action", "/tasks"), ("class", "filters"), ("role", "search")]) {
            field("rule", "Rule", rule)
            field("subject", "Subject", subject)
            field("assignee", "Assignee (prefix)", assignee)
            HTML.element("label") {
                "State "
                HTML.element("select", [("name", "state")]) {
                    HTML.element("option", [("value", ""), ("selected", state.isEmpty ? "" : nil)]) { "any" }
                    for option in TaskBrowseQuery.State.all {
                        HTML.element("option", [("value", option.name), ("selected", option.name == state ? "" : nil)]) {
                            option.name
                        }
                    }
                }
            }
            HTML.element("button", [("type", "submit")]) { "Filter" }
            HTML.element("a", [("href", "/tasks")]) { "Clear" }
        }
    }

    private func field(_ name: StaticString, _ label: String, _ value: String) -> HTML {
        .element("label") {
            label + " "
            HTML.element("input", [("type", "text"), ("name", name.description), ("value", value)])
        }
    }
}
