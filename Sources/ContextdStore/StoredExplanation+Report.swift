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
