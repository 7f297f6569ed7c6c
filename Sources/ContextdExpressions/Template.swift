import ContextdEvents

/// A string with `{{ expr }}` holes, e.g.
/// `card used in {{ event.data.city }} {{ minutes(gap) | format_number }} minutes later`.
///
/// Task titles, descriptions and keys are templates so that operators write text, not string
/// concatenation. `{{ x | f(a) }}` means `f(x, a)`, and filters chain left to right. Text
/// without `{{` costs nothing to render; holes that are constant are rendered at load time.
/// There is no escape for `{{`: write `{{ "{{" }}` for a literal pair of braces.
///
/// Values render as: strings as they are, whole numbers without decimals (others in their
/// shortest form), timestamps in RFC 3339, durations in canonical form (`1h30m`), null as
/// nothing, lists and maps as compact JSON.
public struct Template: Sendable {
    enum Part: Sendable {
        case text(String)
        case value(Evaluator)
    }

    public let source: String
    let parts: [Part]

    /// True when rendering does not depend on the activation (no holes, or only constant ones).
    public var isConstant: Bool { constantText != nil }

    /// The rendered text, when it is constant.
    public var constantText: String? {
        switch parts.count {
        case 0: return ""
        case 1: if case .text(let text) = parts[0] { return text } else { return nil }
        default: return nil
        }
    }

    /// Compiles every hole; diagnostic ranges are byte offsets into `source`.
    public static func compile(
        _ source: String,
        in environment: Environment
    ) -> Result<Template, [ExpressionDiagnostic]> {
        let bytes = Array(source.utf8)
        var parts = TemplateParts()
        var diagnostics: [ExpressionDiagnostic] = []
        var position = 0
        while let open = find("{{", in: bytes, from: position) {
            parts.append(text: bytes[position..<open])
            var parser = Parser(bytes: bytes, start: open + 2, allowsPipes: true)
            parser.endDescription = "the end of the template"
            let (syntax, end) = parser.parseHole(opener: SourceRange(start: open, end: open + 2))
            var compiler = Compiler(environment: environment, bytes: bytes)
            parts.append(compiler.compile(syntax, in: Scope()))
            diagnostics += parser.diagnostics + compiler.diagnostics
            position = end ?? find("}}", in: bytes, from: parser.token.range.start).map { $0 + 2 } ?? bytes.count
        }
        parts.append(text: bytes[position...])
        guard diagnostics.isEmpty else { return .failure(diagnostics.normalized()) }
        return .success(Template(source: source, parts: parts.finished))
    }

    public func render(_ activation: Activation) throws(EvaluationError) -> String {
        if let constantText { return constantText }
        var text = ""
        for part in parts {
            switch part {
            case .text(let literal): text += literal
            case .value(let evaluate):
                text += Rendering.text(try CompiledExpression.run(evaluate, source: source, in: activation))
            }
        }
        return text
    }

    private static func find(_ pair: StaticString, in bytes: [UInt8], from start: Int) -> Int? {
        let (first, second) = (pair.utf8Start[0], pair.utf8Start[1])
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == first, bytes[index + 1] == second { return index }
            index += 1
        }
        return nil
    }
}

/// Template parts under construction: adjacent text (including constant holes) merged.
private struct TemplateParts {
    var parts: [Template.Part] = []
    private var pending = ""

    mutating func append(text bytes: ArraySlice<UInt8>) {
        pending += String(decoding: bytes, as: UTF8.self)
    }

    mutating func append(_ compiled: Compiled) {
        if let value = compiled.constant {
            pending += Rendering.text(value)
            return
        }
        flush()
        parts.append(.value(compiled.evaluate))
    }

    var finished: [Template.Part] {
        mutating get {
            flush()
            return parts
        }
    }

    private mutating func flush() {
        if !pending.isEmpty { parts.append(.text(pending)) }
        pending = ""
    }
}
