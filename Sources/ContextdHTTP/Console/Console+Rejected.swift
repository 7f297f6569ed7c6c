import ContextdEngine
import ContextdEvents
import ContextdStore
import HTTPTypes
import Hummingbird
import Logging

/// `GET /rejected`: per spool, what `rejected/` holds, newest first, with reasons — never the
/// raw lines, which may hold card data. `GET /rejected/raw?spool=S&file=F` shows those raw
/// lines (the file's own text, its refused lines, its late events) to an admin only, and logs
/// each view as an admin action.
extension Console {
    static let rejectedPerPage = 20

    func rejected(_ viewer: ConsoleLayout.Viewer, _ request: Request) async throws -> HTML {
        let page = max(1, Int(request.uri.queryParameters.get("page") ?? "") ?? 1)
        let chosen = request.uri.queryParameters.get("spool")
        let spools = rejectedInput.spools.filter { chosen == nil || $0.name == chosen }
        let admin = viewer.caller.consoleAccess >= .admin
        return ConsoleLayout.document(title: "Rejected input", section: .rejected, viewer: viewer) {
            if rejectedInput.spools.isEmpty { HTML.element("p", [("class", "empty")]) { "No spools configured." } }
            for spool in spools {
                spoolSection(spool, page: page, paginate: chosen != nil || spools.count == 1, admin: admin)
            }
        }
    }

    private func spoolSection(_ spool: RejectedInputSource.Spool, page: Int, paginate: Bool, admin: Bool) -> HTML {
        let items = RejectedItem.list(in: spool.rejectedPath)
        let perPage = Self.rejectedPerPage
        let shown = items.dropFirst((page - 1) * perPage).prefix(perPage)
        return .element("section", [("aria-labelledby", "spool-" + spool.name)]) {
            HTML.element("h2", [("id", "spool-" + spool.name)]) { "Spool " + spool.name }
            HTML.element("p", [("class", "hint")]) { spool.rejectedPath + " · \(items.count) rejected" }
            if items.isEmpty { HTML.element("p", [("class", "empty")]) { "Nothing rejected." } }
            for item in shown { itemView(item, spool: spool, admin: admin) }
            if items.count > page * perPage || page > 1 {
                HTML.element("nav", [("aria-label", "Pages of " + spool.name), ("class", "pages")]) {
                    if page > 1 {
                        HTML.element("a", [("href", "/rejected?spool=\(Self.queryValue(spool.name))&page=\(page - 1)")]) {
                            "Newer"
                        }
                    }
                    " Page \(page) of \((items.count + perPage - 1) / perPage) "
                    if items.count > page * perPage {
                        HTML.element("a", [("href", "/rejected?spool=\(Self.queryValue(spool.name))&page=\(page + 1)")]) {
                            "Older"
                        }
                    }
                }
            }
            if !paginate && items.count > perPage {
                HTML.element("p") {
                    HTML.element("a", [("href", "/rejected?spool=\(Self.queryValue(spool.name))")]) { "All of " + spool.name }
                }
            }
        }
    }

    private func itemView(_ item: RejectedItem, spool: RejectedInputSource.Spool, admin: Bool) -> HTML {
        let directory = spool.rejectedPath
        let errors = item.lineReasons(late: false, in: directory)
        let late = item.lineReasons(late: true, in: directory)
        return .element("article", [("class", "rejected")]) {
            HTML.element("h3") { HTML.element("code") { item.name } }
            if item.hasFile {
                HTML.element("p") {
                    HTML.element("strong") { "Whole file rejected: " }
                    item.reason(in: directory) ?? "(no reason recorded)"
                }
            }
            reasonList("Refused lines", errors.reasons, more: errors.more)
            reasonList("Late events set aside", late.reasons, more: late.more)
            if admin && (item.hasFile || item.hasErrors || item.hasLate) {
                HTML.element("p") {
                    HTML.element("a", [("href", "/rejected/raw?spool=\(Self.queryValue(spool.name))&file="
                        + Self.queryValue(item.name))]) { "Raw lines (logged)" }
                }
            }
        }
    }

    private func reasonList(_ title: String, _ reasons: [RejectedItem.LineReason], more: Bool) -> HTML {
        guard !reasons.isEmpty else { return .empty }
        return .element("details", [("open", "")]) {
            HTML.element("summary") { title + " (\(reasons.count)\(more ? "+" : ""))" }
            HTML.element("ul") {
                for reason in reasons {
                    HTML.element("li") { (reason.line.map { "line \($0): " } ?? "") + reason.error }
                }
            }
            if more { HTML.element("p", [("class", "hint")]) { "The first \(RejectedItem.maxReasons) are shown." } }
        }
    }

    func rejectedRaw(_ viewer: ConsoleLayout.Viewer, _ request: Request) async throws -> HTML {
        let caller = viewer.caller
        guard caller.consoleAccess >= .admin else {
            throw APIError(.forbidden, "forbidden", caller.isAnonymous
                ? "raw lines of rejected input need a token with access 'admin'; none is configured"
                : "raw lines of rejected input need access 'admin'; token '\(caller.name)' has '\(caller.access.rawValue)'")
        }
        let name = request.uri.queryParameters.get("file") ?? ""
        guard let spool = rejectedInput.spools.first(where: { $0.name == request.uri.queryParameters.get("spool") }),
            let item = RejectedItem.named(name, in: spool.rejectedPath)
        else { throw APIError(.notFound, "not_found", "no rejected file '\(name)' in that spool") }
        logAdminAction("view rejected raw lines", by: caller, ["spool": "\(spool.name)", "file": "\(item.name)"])
        let directory = spool.rejectedPath
        return ConsoleLayout.document(title: "Raw lines of " + item.name, section: .rejected, viewer: viewer) {
            HTML.element("p", [("class", "hint")]) {
                "These lines may hold personal or card data. This view is logged with your token's name."
            }
            if item.hasFile {
                rawBlock("The file as rejected", BoundedFile.read(directory + "/" + item.name, maxLines: RejectedItem.maxRawLines))
            }
            rawBlock("Refused lines (line: text)", item.rawRejectedLines(in: directory))
            if item.hasLate {
                rawBlock("Late events (" + item.name + ".late.jsonl)",
                    BoundedFile.read(directory + "/" + item.name + ".late.jsonl", maxLines: RejectedItem.maxRawLines))
            }
            HTML.element("p") { HTML.element("a", [("href", "/rejected?spool=" + Self.queryValue(spool.name))]) { "Back" } }
        }
    }

    private func rawBlock(_ title: String, _ file: BoundedFile?) -> HTML {
        guard let file else { return .empty }
        return .element("section") {
            HTML.element("h2") { title }
            HTML.element("pre", [("class", "raw")]) { file.lines.joined(separator: "\n") }
            file.cutHint(maxLines: RejectedItem.maxRawLines)
        }
    }
}
