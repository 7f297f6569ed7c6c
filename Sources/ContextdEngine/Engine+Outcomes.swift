import ContextdEvents

extension Engine {
    /// Notes when an outcome of a rule's task was reported for a subject, for cooldown policies.
    ///
    /// The time goes into ``dedupIndex`` under `outcome:<outcome>␟<rule>␟<subject>`: that index
    /// already maps a key to its latest time and is persisted through ``takeChanges()``
    /// (``StateChanges/dedupKeys``) and restored from ``EngineSnapshot/dedupKeys``, so outcomes
    /// survive a restart with no change to the store. Only the latest time per key is kept, which
    /// is all a cooldown ("within `for` before the candidate") needs while outcomes arrive in
    /// order. An outcome event without a string `rule` or a known `outcome` is recorded as a
    /// fault and cools nothing down; it still goes through fold and rules like any event.
    func recordOutcome(_ event: Event) {
        guard case .string(let rule) = event.data["rule"], !rule.isEmpty else {
            record(fault: "outcome event: 'data.rule' must be the id of the task's rule (a string)",
                rule: TaskOutcome.eventType, eventID: event.id)
            return
        }
        guard case .string(let text) = event.data["outcome"], let outcome = TaskOutcome.Outcome(rawValue: text)
        else {
            let known = TaskOutcome.Outcome.allCases.map(\.rawValue).joined(separator: ", ")
            record(fault: "outcome event: 'data.outcome' must be one of \(known)", rule: TaskOutcome.eventType,
                eventID: event.id)
            return
        }
        let key = Engine.outcomeKey(outcome, rule: rule, subject: event.subject)
        if let previous = dedupIndex[key], previous >= event.time { return }
        claimDedupKey(key, at: event.time)
    }

    /// The latest of `outcomes` reported for `rule` and `subject` in `(time − period, time]`.
    func latestOutcome(
        among outcomes: [TaskOutcome.Outcome], rule: String, subject: String, within period: TimeSpan,
        before time: Timestamp
    ) -> (outcome: TaskOutcome.Outcome, at: Timestamp)? {
        var latest: (outcome: TaskOutcome.Outcome, at: Timestamp)?
        for outcome in outcomes {
            guard let at = dedupIndex[Engine.outcomeKey(outcome, rule: rule, subject: subject)],
                at > time - period, at <= time
            else { continue }
            if let latest, latest.at >= at { continue }
            latest = (outcome, at)
        }
        return latest
    }

    static func outcomeKey(_ outcome: TaskOutcome.Outcome, rule: String, subject: String) -> String {
        "outcome:" + outcome.rawValue + keySeparator + rule + keySeparator + subject
    }
}
