import ArgumentParser

/// The one executable: `check`, `replay` (and, as the project grows, `run` and `test`).
@main
struct Contextd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contextd",
        abstract: "Folds events into per-entity context, evaluates rules and emits next-best-action tasks.",
        subcommands: [CheckCommand.self, ReplayCommand.self]
    )
}

/// Exit codes of SPEC §4.
enum ExitStatus {
    static let failureFound = ExitCode(1)
    static let usage = ExitCode(2)
    static let configuration = ExitCode(78)
}
