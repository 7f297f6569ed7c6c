import ContextdEngine

/// The text `contextd explain TASK_ID` prints and the console's task page shows under
/// "Explanation": one rendering in one place, so the two can never say different things.
extension StoredExplanation {
    /// The explanation kept when the task was created (trigger, conditions, context read,
    /// score contributions, policy steps), then where the task is now and its record.
    public func report(taskID: String) -> String {
        (text ?? "task \(taskID): created before explanations were kept; no explanation stored\n")
            + "  status    \(status)\n"
            + "  task      \(record.json)\n"
    }
}

extension StoredExplanation {
    /// Where a task is now, in `explain`'s words (`written`, `acked (rejected: no answer),
    /// leased twice`): one wording for every backend.
    public static func status(delivery: String, outcome: String?, note: String?, attempts: Int) -> String {
        var status = delivery
        if let outcome { status += " (\(outcome)" + (note.map { ": " + $0 } ?? "") + ")" }
        if attempts > 0 { status += attempts == 1 ? ", leased once" : ", leased \(attempts) times" }
        return status
    }

    /// The status of a candidate a policy stopped.
    public static func status(suppressedBy policy: String) -> String { "suppressed by policy \(policy)" }
}
