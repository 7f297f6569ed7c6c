import ContextdEvents

extension Engine {
    /// `kind: contact`: counts the tasks already let through to the task's assignee (or
    /// subject) on its channel in `(created_at − per, created_at]`, as a suppress `limit` does,
    /// under the key `contact:<policy>␟<party>␟<where>`. The task claims its place only when it
    /// is finally emitted, so a task a later policy stops does not use up the cap.
    func contactEffect(
        of policy: String, _ cap: TaskPolicy.ContactCap, on task: TaskRecord, claims: inout [PolicyClaim]
    ) -> PolicyStep.Effect {
        let party = cap.by == .assignee ? task.assignee : task.subject
        let key = Engine.keyPrefix("contact", policy) + party + Engine.keySeparator + task.where
        let recent = emissions(under: key, within: cap.per, at: task.createdAt)
        if cap.by == .assignee, let partitionOf, partitionOf(party) != partitionOf(task.subject) {
            statistics.crossingContactDecisions += 1
        }
        let count = PolicyStep.ContactCount(
            by: cap.by, party: party, channel: task.where, count: recent, limit: cap.count, per: cap.per)
        let exemptFloor = cap.exemptPriority.flatMap { task.priority >= $0 ? $0 : nil }
        if exemptFloor == nil && recent >= cap.count { return .contactCapReached(count) }
        // An exempt task goes out whatever the count, and still counts.
        claims.append((key, cap.per))
        if let floor = exemptFloor { return .exempt(priority: task.priority, floor: floor, count) }
        return .contactCounted(count)
    }

    /// `kind: cooldown`: stops the task while one of `outcomes` reported for its rule and subject
    /// is less than `period` old: at `t` with `created_at − period < t ≤ created_at`.
    func cooldownEffect(_ outcomes: [TaskOutcome.Outcome], for period: TimeSpan, on task: TaskRecord)
        -> PolicyStep.Effect
    {
        guard let latest = latestOutcome(
            among: outcomes, rule: task.rule, subject: task.subject, within: period, before: task.createdAt)
        else { return .notCoolingDown(outcomes: outcomes, within: period) }
        return .coolingDown(outcome: latest.outcome, at: latest.at, until: latest.at + period)
    }
}
