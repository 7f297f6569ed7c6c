import Foundation

/// Paths of the configuration files under `Fixtures/`, read from disk as operators' files are.
enum Fixtures {
    /// The absolute `Fixtures` folder next to this file.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    static func path(_ name: String) -> String { directory + "/" + name }
}
