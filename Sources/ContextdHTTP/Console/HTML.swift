/// A piece of an HTML document, built so that text can never become markup: every `String`
/// that goes in is escaped; tag names, attribute names and raw markup come only from
/// `StaticString`s, which are constants in the source. A subject named `<script>` therefore
/// renders as the text `<script>`, whatever page shows it.
struct HTML: Sendable {
    private(set) var rendered: String

    private init(rendered: String) { self.rendered = rendered }

    static let empty = HTML(rendered: "")

    /// Text, escaped for element content and attribute values alike.
    static func text(_ text: String) -> HTML { HTML(rendered: escape(text)) }

    /// Markup written in the source itself.
    static func raw(_ markup: StaticString) -> HTML { HTML(rendered: markup.description) }

    /// `<tag a="v">children</tag>`; a void element (`input`, `meta`, `link`) has no children
    /// and no end tag. An attribute whose value is nil is left out; `""` writes it bare-valued.
    static func element(
        _ tag: StaticString, _ attributes: [(StaticString, String?)] = [], @HTMLBuilder _ children: () -> HTML = { .empty }
    ) -> HTML {
        var out = "<" + tag.description
        for (name, value) in attributes {
            guard let value else { continue }
            out += " " + name.description + "=\"" + escape(value) + "\""
        }
        out += ">"
        if voidElements.contains(tag.description) { return HTML(rendered: out) }
        out += children().rendered
        out += "</" + tag.description + ">"
        return HTML(rendered: out)
    }

    static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(rendered: lhs.rendered + rhs.rendered) }

    private static let voidElements: Set<String> = ["input", "meta", "link", "br", "hr", "img"]

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}

/// Lets a page be written as nested elements with `if`, `for` and plain strings (escaped).
@resultBuilder
enum HTMLBuilder {
    static func buildExpression(_ html: HTML) -> HTML { html }
    static func buildExpression(_ text: String) -> HTML { .text(text) }
    static func buildBlock(_ parts: HTML...) -> HTML { parts.reduce(.empty, +) }
    static func buildArray(_ parts: [HTML]) -> HTML { parts.reduce(.empty, +) }
    static func buildOptional(_ part: HTML?) -> HTML { part ?? .empty }
    static func buildEither(first: HTML) -> HTML { first }
    static func buildEither(second: HTML) -> HTML { second }
}
