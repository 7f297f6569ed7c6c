import ArgumentParser
import ContextdDaemon
import ContextdEngine
import ContextdStore
import Foundation

/// `contextd explain TASK_ID [--config FILE]`: why the daemon made a task, from its store —
/// the explanation `replay --explain` would print, kept with the task when it was created.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a task the daemon made: trigger, conditions, context, scores and policy steps."
    )

    @Argument(help: "The task id (t-…), as in the outbox file name.")
    var taskID: String

    @Option(name: .long, help: "The daemon's configuration file (default: the embedded default's ./var).")
    var config: String?

    func run() throws {
        let configuration = try ConfigurationArgument.load(config)
        let location = configuration.store
        if let file = location.localFile, !FileManager.default.fileExists(atPath: file) {
            StandardError.write("error: no store at \(file) (has the daemon run here?)")
            throw ExitStatus.configuration
        }
        // Read-only: explain runs beside the daemon and takes no lock.
        let store = try location.openForReading()
        // A PostgreSQL store's connections end before the process does.
        defer { store.close() }
        guard let found = try store.explanation(of: taskID) else {
            StandardError.write("error: no task '\(taskID)' in \(location)")
            throw ExitStatus.failureFound
        }
        print(found.report(taskID: taskID), terminator: "")
    }
}
