/// The console's pages in the order of its navigation. A page is one file (`Console+<Page>.swift`)
/// and one line in ``Console/register(on:)``; a section appears in the navigation once its page
/// is registered (``built``), so no link leads to a page that does not exist yet.
enum ConsoleSection: String, Sendable, CaseIterable {
    case overview
    case rules
    case tasks
    case deadLetters
    case rejected
    case cluster

    var title: String {
        switch self {
        case .overview: "Overview"
        case .rules: "Rules"
        case .tasks: "Tasks"
        case .deadLetters: "Dead letters"
        case .rejected: "Rejected input"
        case .cluster: "Cluster"
        }
    }

    var path: String {
        switch self {
        case .overview: "/"
        case .rules: "/rules"
        case .tasks: "/tasks"
        case .deadLetters: "/dead-letters"
        case .rejected: "/rejected"
        case .cluster: "/cluster"
        }
    }

    /// The sections with a page so far.
    static let built: [ConsoleSection] = [.overview, .rules, .tasks, .deadLetters, .rejected, .cluster]
}
