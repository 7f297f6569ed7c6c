import ArgumentParser
import Foundation

/// The one executable: `run`, `check`, `replay` (and, as the project grows, `test`).
@main
struct Contextd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contextd",
        abstract: "Folds events into per-entity context, evaluates rules and emits next-best-action tasks.",
        version: ContextdVersion.text,
        subcommands: [
            RunCommand.self, CheckCommand.self, TestCommand.self, ExplainCommand.self, ReplayCommand.self, DiffCommand.self,
            StatusCommand.self, MigrateCommand.self, LogCommand.self,
        ]
    )

    /// Runs the command, mapping ArgumentParser's usage failures (64) to exit code 2
    /// (docs/operations.md, "Exit codes").
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                StandardError.write(fullMessage(for: error))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// The exit codes every command shares: 0 ok, 1 failure found (check/test), 2 usage, 78
/// configuration error.
enum ExitStatus {
    static let failureFound = ExitCode(1)
    static let usage = ExitCode(2)
    static let configuration = ExitCode(78)
    /// EX_TEMPFAIL: a node of a cluster lost its partitions (or its id) while it ran; starting
    /// it again is what it needs, and systemd's `Restart=on-failure` does that.
    static let temporaryFailure = ExitCode(75)
}
