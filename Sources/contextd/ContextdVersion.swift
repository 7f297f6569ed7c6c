/// What `contextd --version` prints: the release number and the git commit the binary was
/// built from (`buildCommit`, written before each build by Plugins/BuildCommit), so an
/// operator's bug report names exactly the code that ran.
enum ContextdVersion {
    /// Raised with each release; between releases the commit tells builds apart.
    static let number = "0.1.0"

    /// `0.1.0 (commit 1a2b3c4d5e6f)`; `(commit unknown)` for a build outside a git clone.
    static var text: String { "\(number) (commit \(buildCommit))" }
}
