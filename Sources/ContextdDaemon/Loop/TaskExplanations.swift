import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdStore

/// Keeps, for every task the daemon creates (and every candidate a policy stops), the explanation `contextd replay --explain` would
/// print for it (trigger, conditions, context and let values, score contributions, policy
/// steps), so that `contextd explain TASK_ID` can answer from the store long after the events
/// are gone. Committed with the task, in the same transaction.
final class TaskExplanations: EngineObserver {
    private var recorder = DecisionRecorder(scope: .candidates)
    private var releases: [EarlyRelease] = []
    var scorers: [String: Scorer]

    init(scorers: [String: Scorer]) { self.scorers = scorers }

    var observesEveryEvaluation: Bool { recorder.observesEveryEvaluation }
    func didEvaluate(_ evaluation: RuleEvaluation) { recorder.didEvaluate(evaluation) }
    func didApply(_ step: PolicyStep) { recorder.didApply(step) }
    func didEmit(_ task: TaskRecord) { recorder.didEmit(task) }
    func didRelease(_ release: EarlyRelease) {
        recorder.didRelease(release)
        releases.append(release)
    }

    /// The explanations of the tasks created, and the release lines of tasks released, since
    /// the last call.
    func take() -> [TaskExplanation] {
        let report = ExplainReport(recorder: recorder, includesTasks: true, includesFunnel: false, scorers: scorers)
        var result: [TaskExplanation] = []
        var explained: Set<String> = []
        for trace in recorder.traces {
            // An emitted task, or a candidate a policy stopped (kept under its would-be id).
            guard let id = trace.emitted?.id ?? trace.stoppedBy?.task else { continue }
            explained.insert(id)
            result.append(TaskExplanation(taskID: id, text: report.text(trace) + "\n", appends: false))
        }
        for release in releases where !explained.contains(release.task.id) {
            result.append(TaskExplanation(
                taskID: release.task.id,
                text: "  released  early by event \(release.eventID) (\(release.eventType) from \(release.eventSource)), "
                    + "policy \(release.policy): not_before \(release.previousNotBefore.rfc3339) → "
                    + "\(release.notBefore.rfc3339)\n",
                appends: true))
        }
        recorder = DecisionRecorder(scope: .candidates)
        releases = []
        return result
    }
}
