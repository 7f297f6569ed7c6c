import Foundation

/// Where the repository's rules and fixtures are, found from this file's path so tests run
/// the very files an operator edits.
enum RepositoryPaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let rules = root.appendingPathComponent("rules").path
    static let fixtures = root.appendingPathComponent("fixtures")

    /// A folder of rule files under Tests/ContextdEngineTests/Fixtures.
    static func engineFixture(_ name: String) -> String {
        root.appendingPathComponent("Tests/ContextdEngineTests/Fixtures").appendingPathComponent(name).path
    }

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
}
