/// The frame every console page shares: the document head (the daemon's own stylesheet and
/// script, nothing from elsewhere), a skip link, the navigation with the signed-in caller, and
/// the page's content in `<main>`.
enum ConsoleLayout {
    /// Who is looking, as the header shows it; nil on pages shown before sign-in.
    struct Viewer: Sendable {
        var caller: Caller
        /// The session's CSRF token (for the sign-out form); nil for an anonymous viewer.
        var csrf: String?
    }

    /// One labelled figure of a `<dl>` (a counter, a clock, a state). `status`, the field's path in
    /// the status JSON, lets the Overview's script update it in place; nil where nothing does.
    static func figure(_ label: String, _ value: String, status: String? = nil) -> HTML {
        .element("div", [("class", "figure")]) {
            HTML.element("dt") { label }
            HTML.element("dd", [("data-status", status)]) { value }
        }
    }

    static func document(
        title: String, section: ConsoleSection?, viewer: Viewer?, @HTMLBuilder content: () -> HTML
    ) -> HTML {
        .raw("<!DOCTYPE html>\n") + .element("html", [("lang", "en")]) {
            HTML.element("head") {
                HTML.element("meta", [("charset", "utf-8")])
                HTML.element("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])
                HTML.element("meta", [("name", "color-scheme"), ("content", "light dark")])
                HTML.element("title") { title + " · contextd" }
                HTML.element("link", [("rel", "stylesheet"), ("href", "/assets/console.css")])
                HTML.element("script", [("src", "/assets/console.js"), ("defer", "")])
            }
            HTML.element("body") {
                HTML.element("a", [("class", "skip"), ("href", "#main")]) { "Skip to content" }
                header(section: section, viewer: viewer)
                HTML.element("main", [("id", "main"), ("tabindex", "-1")]) {
                    HTML.element("h1") { title }
                    content()
                }
            }
        }
    }

    private static func header(section: ConsoleSection?, viewer: Viewer?) -> HTML {
        .element("header", [("class", "bar")]) {
            HTML.element("a", [("class", "brand"), ("href", "/")]) { "contextd" }
            HTML.element("nav", [("aria-label", "Console")]) {
                HTML.element("ul") {
                    for item in ConsoleSection.built {
                        HTML.element("li") {
                            HTML.element("a", [("href", item.path), ("aria-current", item == section ? "page" : nil)]) {
                                item.title
                            }
                        }
                    }
                }
            }
            if let viewer { who(viewer) }
        }
    }

    private static func who(_ viewer: Viewer) -> HTML {
        .element("div", [("class", "who")]) {
            if viewer.caller.isAnonymous {
                HTML.element("span") { "anonymous · read-only (no tokens configured)" }
            } else {
                HTML.element("span") {
                    HTML.element("strong") { viewer.caller.name }
                    " · " + viewer.caller.access.rawValue
                }
                HTML.element("form", [("method", "post"), ("action", "/sign-out"), ("class", "inline")]) {
                    HTML.element("input", [("type", "hidden"), ("name", "csrf"), ("value", viewer.csrf ?? "")])
                    HTML.element("button", [("type", "submit")]) { "Sign out" }
                }
            }
        }
    }
}
