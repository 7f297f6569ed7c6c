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
        let name = mapping.required("name", what: what).flatMap { _ in
            checkedName(mapping, of: "input", example: "cards", appearsIn: "the name appears in logs and metrics")
        }
        let path = mapping.required("path", what: what).flatMap { _ in mapping.path("path", base: base) }
        let kind = mapping.choice("kind", of: EventKind.self)
        let onDone = mapping.choice("on_done", of: OnDone.self)
        guard let name, let path else { return nil }
        return SpoolInput(
            input: DaemonConfiguration.Input(name: name.text, path: path.path.description, kind: kind ?? .data,
                onDone: onDone ?? .move),
            nameNode: name.node, pathNode: path.node)
    }
}
