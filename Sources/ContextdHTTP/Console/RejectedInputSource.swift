/// Where the console finds rejected input: each spool's name and its `rejected/` directory.
///
/// The daemon hands this over (as it hands over an ``OperationsProbe``), so the HTTP module
/// knows nothing of the configuration; the console only reads what is there.
public struct RejectedInputSource: Sendable {
    public struct Spool: Sendable {
        public var name: String
        /// The spool's `rejected/` directory.
        public var rejectedPath: String

        public init(name: String, rejectedPath: String) {
            self.name = name
            self.rejectedPath = rejectedPath
        }
    }

    public var spools: [Spool]

    public init(spools: [Spool]) { self.spools = spools }
}
