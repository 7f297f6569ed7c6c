import Yams

/// Names of inputs and tokens: they appear in logs and metric dimensions, so both follow one rule.
extension ConfigurationParser {
    /// The mapping's `name`, checked to be lowercase letters, digits, `_` and `-`; `appearsIn`
    /// says where the name shows, which is why the rule exists.
    func checkedName(_ mapping: ConfigurationMapping, of kind: String, example: String, appearsIn: String)
        -> (text: String, node: Node)?
    {
        guard let (name, node) = mapping.text("name", expected: "a name such as \(example)") else { return nil }
        let valid = !name.isEmpty && name.allSatisfy { $0.isASCIIDigit || ("a"..."z").contains($0) || $0 == "_" || $0 == "-" }
        guard valid else {
            document.report(at: node, "invalid \(kind) name '\(name)': use only lowercase letters, digits, '_' and '-' "
                + "(\(appearsIn))")
            return nil
        }
        return (name, node)
    }

    /// The `name` written in an input or token mapping, to name it in messages about it.
    static func peekName(_ node: Node) -> String? {
        guard case .mapping(let mapping) = node else { return nil }
        return mapping.first { $0.key.scalarText == "name" }?.value.scalarText
    }
}
