import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// `GET /dead-letters`: the dead-lettered tasks in the caller's scope; for an admin, a Requeue
/// button per task (`POST /dead-letters/requeue` with the task id in the form — an id may hold
/// a `/` — through the store call `POST /v1/tasks/{id}/requeue` makes).
extension Console {
    static let deadLetterLimit = 500

    func deadLetters(_ viewer: ConsoleLayout.Viewer, _ request: Request) async throws -> HTML {
        let caller = viewer.caller
        let dead = try await store.deadLetters(
            assigneePrefixes: caller.assignees, limit: Self.deadLetterLimit, terms: settings.lease, at: gate.now())
        let canRequeue = caller.consoleAccess >= .admin
        // The notice after a requeue names a task in the caller's scope, never any text a link
        // put in the query (`?requeued=Call 555-0100 now` must not speak in the console's voice).
        var requeued: String?
        if let id = request.uri.queryParameters.get("requeued"),
            try await store.browsedTask(id: id, scope: caller.assignees) != nil
        {
            requeued = id
        }
        return ConsoleLayout.document(title: "Dead letters", section: .deadLetters, viewer: viewer) {
            if let requeued { HTML.element("p", [("class", "notice"), ("role", "status")]) { "Requeued \(requeued)." } }
            HTML.element("p") {
                "Tasks leased \(settings.lease.maxAttempts) times without an ack. "
                    + (canRequeue ? "Requeue puts one back in the queue with its attempts reset."
                        : "Requeuing needs a token with access 'admin'.")
            }
            if dead.isEmpty {
                HTML.element("p", [("class", "empty")]) { "No dead letters." }
            } else {
                HTML.element("table") {
                    HTML.element("thead") {
                        HTML.element("tr") {
                            for title in ["Task", "What", "Subject", "Assignee", "Attempts"] {
                                HTML.element("th", [("scope", "col")]) { title }
                            }
                            if canRequeue { HTML.element("th", [("scope", "col")]) { "Action" } }
                        }
                    }
                    HTML.element("tbody") {
                        for state in dead { row(state, csrf: canRequeue ? viewer.csrf ?? "" : nil) }
                    }
                }
                if dead.count == Self.deadLetterLimit {
                    HTML.element("p", [("class", "hint")]) { "The first \(Self.deadLetterLimit) are shown." }
                }
            }
        }
    }

    /// One dead letter; `csrf` non-nil adds the Requeue form.
    private func row(_ state: TaskState, csrf: String?) -> HTML {
        .element("tr") {
            HTML.element("td") { HTML.element("code") { state.record.id } }
            HTML.element("td") { state.record.what }
            HTML.element("td") { state.record.subject }
            HTML.element("td") { state.record.assignee }
            HTML.element("td", [("class", "number")]) { "\(state.attempts)" }
            if let csrf {
                HTML.element("td") {
                    HTML.element("form", [("method", "post"), ("action", "/dead-letters/requeue")]) {
                        HTML.element("input", [("type", "hidden"), ("name", "csrf"), ("value", csrf)])
                        HTML.element("input", [("type", "hidden"), ("name", "task"), ("value", state.record.id)])
                        HTML.element("button", [("type", "submit"), ("aria-label", "Requeue " + state.record.id)]) { "Requeue" }
                    }
                }
            }
        }
    }

    /// `POST /dead-letters/requeue` from the console's form (`task`, `csrf`): admin only.
    func requeue(_ request: Request) async throws -> Response {
        let form = try await FormFields(request)
        let id = form["task"] ?? ""
        do {
            guard let admitted = try gate.admit(request, csrfField: form["csrf"]) else { return Self.redirect(to: "/sign-in") }
            let caller = admitted.caller
            if caller.isAnonymous {
                throw APIError(.forbidden, "forbidden",
                    "the console is read-only without configured tokens; requeue needs a token with access 'admin'")
            }
            try caller.require(.admin, for: "requeuing a dead letter")
            let state = try await store.requeue(taskID: id, scope: caller.assignees).get(or: id)
            signal.ring()
            observer?.requeued(state, by: caller)
            logAdminAction("requeue", by: caller, ["task": "\(id)", "via": "console"])
            return Self.redirect(to: "/dead-letters?requeued=" + Self.queryValue(id))
        } catch let error as APIError {
            return Self.errorPage(error)
        }
    }

    /// A value safe inside a query string: everything but unreserved characters percent-encoded.
    static func queryValue(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
