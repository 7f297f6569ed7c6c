import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// `GET /subject?subject=S`: an entity's stored context as a table, and its tasks (the Tasks
/// list filtered by subject, within the caller's scope).
///
/// The context is shown only to a caller whose prefixes cover every assignee (`""`): context
/// is kept per entity, not per assignee, and may hold what any team's events said about the
/// customer (decision record 0015, addendum). A scoped token sees the subject's tasks it may
/// see and a line saying why the context is not shown.
extension Console {
    static let contextEntriesShown = 200

    func subject(_ viewer: ConsoleLayout.Viewer, _ request: Request) async throws -> HTML {
        let query = FormFields(request.uri.query ?? "")
        let subject = query["subject"] ?? ""
        let caller = viewer.caller
        let page = try await store.browseTasks(TaskBrowseQuery(scope: caller.assignees, subject: subject,
            before: query["before"].flatMap(TaskCursor.init(token:)), limit: Self.tasksPerPage))
        let seesContext = caller.assignees.contains("")
        let context = seesContext ? try await store.committedContext(of: subject) : nil
        return ConsoleLayout.document(title: "Subject " + subject, section: .tasks, viewer: viewer) {
            HTML.element("section", [("aria-labelledby", "h-context")]) {
                HTML.element("h2", [("id", "h-context")]) { "Context" }
                if !seesContext {
                    HTML.element("p", [("class", "hint")]) {
                        "The context is shown to tokens that may see every assignee: it may hold any team's data."
                    }
                } else if let context {
                    ContextTable(context: context, limit: Self.contextEntriesShown).body
                } else {
                    HTML.element("p", [("class", "empty")]) { "No context stored for this subject." }
                }
            }
            HTML.element("section", [("aria-labelledby", "h-tasks")]) {
                HTML.element("h2", [("id", "h-tasks")]) { "Tasks" }
                TaskTable(page: page, filters: [("subject", subject)], path: "/subject").body
            }
        }
    }
}

/// An entity's context as the store last committed it: one row per entry (a `latest` value,
/// each item of a collection or history, each point of a window), grouped by declaration.
struct ContextTable {
    let context: EntityContext
    /// Rows shown at most (a history may be long); the rest is counted.
    let limit: Int

    struct Entry {
        var declaration: String
        var kind: String
        var key: String
        var value: String
        var time: String
        var event: String
    }

    var entries: [Entry] {
        var entries: [Entry] = []
        for (name, state) in context.states.sorted(by: { $0.key < $1.key }) {
            switch state {
            case .latest(let entry):
                if let entry { entries.append(Self.entry(name, "latest", entry)) }
            case .collection(let items):
                entries += items.map { Self.entry(name, "collection", $0) }
            case .history(let items):
                entries += items.map { Self.entry(name, "history", $0) }
            case .window(let points):
                entries += points.map {
                    Entry(declaration: name, kind: "window", key: "", value: TaskView.number($0.amount),
                        time: $0.time.rfc3339, event: "")
                }
            }
        }
        return entries
    }

    private static func entry(_ name: String, _ kind: String, _ entry: ContextEntry) -> Entry {
        Entry(declaration: name, kind: kind, key: entry.key ?? "", value: JSON.encode(entry.value),
            time: entry.time.rfc3339, event: entry.eventID + " (" + entry.eventType + ")")
    }

    var body: HTML {
        let all = entries
        guard !all.isEmpty else { return .element("p", [("class", "empty")]) { "The context holds no entries." } }
        return .element("div", [("class", "scroll")]) {
            HTML.element("table", [("class", "context")]) {
                HTML.element("thead") {
                    HTML.element("tr") {
                        for title in ["Context", "Kind", "Key", "Value", "Time", "Event"] {
                            HTML.element("th", [("scope", "col")]) { title }
                        }
                    }
                }
                HTML.element("tbody") {
                    for entry in all.prefix(limit) {
                        HTML.element("tr") {
                            HTML.element("th", [("scope", "row")]) { entry.declaration }
                            HTML.element("td") { entry.kind }
                            HTML.element("td") { entry.key }
                            HTML.element("td") { HTML.element("code") { entry.value } }
                            HTML.element("td", [("class", "time")]) { entry.time }
                            HTML.element("td") { entry.event }
                        }
                    }
                }
            }
        } + (all.count > limit
            ? .element("p", [("class", "hint")]) { "The first \(limit) of \(all.count) entries are shown." } : .empty)
    }
}
