import ContextdEvents
import Yams

/// An input as read from the file, with the nodes that later checks point at.
struct SpoolInput {
    var input: DaemonConfiguration.Input
    var nameNode: Node?
    var pathNode: Node?
}

extension ConfigurationParser {
    static let inputKeys = ["name", "path", "kind", "on_done"]

    /// The valid inputs of the `inputs` list; the others are reported (and left out, so that
    /// the layout checks see only real spools).
    func readInputs(_ value: Node, of root: ConfigurationMapping) -> [SpoolInput] {
        guard case .sequence(let items) = value else {
            root.mismatch(value, key: "inputs", expected: "a list of inputs")
            return []
        }
        guard !items.isEmpty else {
            document.report(at: value, "'inputs' is an empty list; list at least one input, or remove the key for "
                + "the default spool <data_dir>/spool/events")
            return []
        }
        return items.enumerated().compactMap { input($1, number: $0 + 1) }
    }

    private func input(_ node: Node, number: Int) -> SpoolInput? {
        let what = Self.peekName(node).map { "input '\($0)'" } ?? "input \(number)"
        guard let mapping = ConfigurationMapping(node, in: document, what: what,
            expected: "a mapping with 'name' and 'path'", allowed: Self.inputKeys, label: { "'\($0)' of \(what)" })
        else { return nil }
        let name = mapping.required("name", what: what).flatMap { _ in inputName(mapping) }
        let path = mapping.required("path", what: what).flatMap { _ in mapping.path("path", base: base) }
        let kind = mapping.choice("kind", of: EventKind.self)
        let onDone = mapping.choice("on_done", of: OnDone.self)
        guard let name, let path else { return nil }
        return SpoolInput(
            input: DaemonConfiguration.Input(name: name.text, path: path.path.description, kind: kind ?? .data,
                onDone: onDone ?? .move),
            nameNode: name.node, pathNode: path.node)
    }

    /// The input's name, checked to be usable in logs and metric dimensions.
    private func inputName(_ mapping: ConfigurationMapping) -> (text: String, node: Node)? {
        guard let (name, node) = mapping.text("name", expected: "a name such as cards") else { return nil }
        let valid = !name.isEmpty && name.allSatisfy { $0.isASCIIDigit || ("a"..."z").contains($0) || $0 == "_" || $0 == "-" }
        guard valid else {
            document.report(at: node, "invalid input name '\(name)': use only lowercase letters, digits, '_' and '-' "
                + "(the name appears in logs and metrics)")
            return nil
        }
        return (name, node)
    }

    /// The `name` written in an input mapping, to name the input in messages about it.
    private static func peekName(_ node: Node) -> String? {
        guard case .mapping(let mapping) = node else { return nil }
        for (key, value) in mapping where key.scalarText == "name" {
            return value.scalarText
        }
        return nil
    }
}
