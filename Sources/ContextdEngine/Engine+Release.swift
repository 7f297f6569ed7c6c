import ContextdEvents
import ContextdExpressions

extension Engine {
    /// Releases deferred tasks whose assignee is this event's subject, when a defer policy's
    /// `release` names the event's type and its condition holds: `not_before` becomes the
    /// event's time, if that lies strictly between the task's creation and its `not_before`.
    func releaseDeferred(by event: Event, eventValue: Value) {
        guard let policyIndexes = ruleSet.releasesByEventType[event.type],
            let ids = deferredByAssignee[event.subject]
        else { return }
        for id in ids.sorted() {
            guard var task = deferred[id], let notBefore = task.notBefore,
                task.createdAt < event.time, event.time < notBefore
            else { continue }
            for index in policyIndexes {
                let policy = ruleSet.policies[index]
                guard policy.id == task.deferredBy, case .defer(_, _, let release?) = policy.action else { continue }
                if let when = release.when {
                    let activation = makeActivation(
                        release.scope, subject: event.subject, eventValue: eventValue, now: event.time, scores: nil)
                    if let slot = release.scope.task { activation.set(slot, task.asValue) }
                    do {
                        guard try when.evaluate(activation) == .bool(true) else { continue }
                    } catch {
                        record(fault: "release of '\(policy.id)': \(error.message)", rule: task.rule, eventID: event.id)
                        continue
                    }
                }
                task.notBefore = event.time
                forget(deferred: task)
                statistics.tasksReleased += 1
                if let partitionOf, partitionOf(task.subject) != partitionOf(event.subject) {
                    statistics.crossingReleases += 1
                }
                changes.append(.released(task))
                observer?.didRelease(EarlyRelease(task: task, policy: policy.id, eventID: event.id,
                    eventSource: event.source, eventType: event.type, previousNotBefore: notBefore,
                    notBefore: event.time))
                break
            }
        }
    }

    /// Drops deferred tasks that are due at `time`: no event can release them any more.
    func forgetDeferred(dueBy time: Timestamp) {
        for task in deferred.values where (task.notBefore ?? time) <= time { forget(deferred: task) }
    }

    private func forget(deferred task: TaskRecord) {
        deferred[task.id] = nil
        deferredByAssignee[task.assignee]?.remove(task.id)
        if deferredByAssignee[task.assignee]?.isEmpty == true { deferredByAssignee[task.assignee] = nil }
    }
}
