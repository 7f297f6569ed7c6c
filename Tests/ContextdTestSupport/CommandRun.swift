public import Foundation

/// The real `contextd` binary run to its end: exit status and both outputs, kept apart.
///
/// Each output goes to a file of its own rather than a pipe: a child that fills one pipe
/// (64 KiB) while the parent waits for the other to end would block both for good.
public struct CommandRun: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String

    /// The binary SwiftPM builds beside the test bundle (the test target depends on `contextd`).
    public static let binary: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for candidate in [beside, beside.deletingLastPathComponent(), root.appendingPathComponent(".build/debug")] {
            let url = candidate.appendingPathComponent("contextd")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return root.appendingPathComponent(".build/debug/contextd")
    }()

    public init(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("contextd-run-\(UUID().uuidString)")
        let outputs = [base.appendingPathExtension("out"), base.appendingPathExtension("err")]
        defer { for url in outputs { try? FileManager.default.removeItem(at: url) } }
        let handles = try outputs.map { url in
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            return try FileHandle(forWritingTo: url)
        }
        process.standardOutput = handles[0]
        process.standardError = handles[1]
        try process.run()
        process.waitUntilExit()
        for handle in handles { try handle.close() }
        status = process.terminationStatus
        standardOutput = String(decoding: try Data(contentsOf: outputs[0]), as: UTF8.self)
        standardError = String(decoding: try Data(contentsOf: outputs[1]), as: UTF8.self)
    }
}
