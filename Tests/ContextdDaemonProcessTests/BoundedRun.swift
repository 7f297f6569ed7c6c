import Foundation
import Glibc

/// A command run to its end, killed when it takes longer than `timeout` seconds: a command that
/// does not stop by itself (a second daemon, a hung `pg_ctl`) is a failure, not a hung test.
/// Its standard output and error go to files, never pipes, so that a child that keeps what it
/// inherited (a server started by `pg_ctl`) cannot hold the test on a pipe.
enum BoundedRun {
    struct Finished {
        var status: Int32
        /// Standard output, and standard error with it unless it was kept ``error`` apart.
        var output: String
        /// Standard error when it was kept apart; empty otherwise.
        var error: String
        var timedOut: Bool
    }

    /// `contextd` with `arguments`, run in `directory` (this process's when nil); standard error
    /// in ``Finished/output`` unless `errorApart`.
    static func contextd(
        _ arguments: [String], in directory: URL? = nil, errorApart: Bool = false, timeout: Double
    ) throws -> Finished {
        try run(DaemonSandbox.binary, arguments, in: directory, errorApart: errorApart, timeout: timeout)
    }

    /// `executable` with `arguments`, `environment` added to this process's, standard input
    /// empty.
    static func run(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        errorApart: Bool = false, timeout: Double
    ) throws -> Finished {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("contextd-run-\(UUID().uuidString)")
        let files = errorApart ? [base.appendingPathExtension("out"), base.appendingPathExtension("err")]
            : [base.appendingPathExtension("log")]
        for file in files { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        defer { for file in files { try? FileManager.default.removeItem(at: file) } }
        let handles = try files.map { try FileHandle(forWritingTo: $0) }
        process.standardOutput = handles[0]
        process.standardError = handles[handles.count - 1]
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let timedOut = process.isRunning
        if timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for handle in handles { try handle.close() }
        let texts = files.map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }
        return Finished(
            status: process.terminationStatus, output: texts[0], error: errorApart ? texts[1] : "", timedOut: timedOut)
    }
}
