public import Foundation

/// The repository's stock rules and fixtures, which tests read from disk by path, as an
/// operator's files are read: one place that knows where they are.
public enum StockFiles {
    /// The repository's root (this file is Tests/ContextdTestKit/StockFiles.swift).
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The stock rules folder (`rules/`).
    public static var rules: String { repository.appendingPathComponent("rules").path }

    /// Every stock fixture (`fixtures/*.jsonl`), in file name order.
    public static func fixtures() throws -> [String] {
        let folder = repository.appendingPathComponent("fixtures")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jsonl") }.sorted()
            .map { folder.appendingPathComponent($0).path }
    }
}
