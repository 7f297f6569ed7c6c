import Yams

extension Node {
    /// What the operator actually wrote, for "expected …, found …" messages: `a string 'abc'`,
    /// `a number 5`, `a list`, `nothing`.
    var found: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch tag.description {
            case Tag.Name.null.rawValue: return "nothing"
            case Tag.Name.bool.rawValue: return "the boolean \(scalar.string)"
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue: return "the number \(scalar.string)"
            default: return "a string '\(scalar.string)'"
            }
        }
    }

    /// True for an explicit or implied null (`key:` with nothing after it, `~`, `null`).
    var isNull: Bool {
        if case .scalar = self { return tag.description == Tag.Name.null.rawValue }
        return false
    }

    /// The text of a scalar, nil for lists, mappings and nulls.
    var scalarText: String? {
        guard case .scalar(let scalar) = self, !isNull else { return nil }
        return scalar.string
    }
}
