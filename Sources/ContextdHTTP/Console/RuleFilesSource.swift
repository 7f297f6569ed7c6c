/// Where the console finds the rule files: the configuration's `rules` paths (files or
/// directories), searched as the loader searches them.
///
/// The daemon hands this over (as it hands over a ``RejectedInputSource``), so the HTTP module
/// knows nothing of the configuration; the console only reads what is there, bounded.
public struct RuleFilesSource: Sendable {
    public var paths: [String]

    public init(paths: [String]) { self.paths = paths }
}
