/// Calls that are not plain functions: they look at their arguments' syntax (`has`, the
/// regular expression of `matches`) or bind a name (the comprehensions).
enum SpecialForm: String, CaseIterable, Sendable {
    case has
    case matches
    case filter
    case map
    case exists
    case all
    case countIf = "count_if"
    case maxBy = "max_by"
    case minBy = "min_by"
    case sortBy = "sort_by"

    var isComprehension: Bool { self != .has && self != .matches }

    /// A sample third argument, for messages.
    var example: String {
        switch self {
        case .map: "x * 2"
        case .maxBy, .minBy, .sortBy: "x.amount"
        default: "x > 0"
        }
    }
}
