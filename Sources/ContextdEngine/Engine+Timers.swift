import ContextdEvents
import ContextdExpressions

extension Engine {
    /// Fires, in time order, every timer due at or before `time`; the clock follows each one.
    func fireTimers(through time: Timestamp) {
        while let timer = timers.popDue(atOrBefore: time) {
            if clock.map({ timer.at > $0 }) ?? true { clock = timer.at }
            if recordsChanges { touchedTimers.insert(timer.owner) }
            statistics.timersFired += 1
            guard let rule = ruleSet.rule(named: timer.rule), rule.timer != nil else { continue }
            evaluate(rule, subject: timer.subject, event: nil, eventValue: nil, now: timer.at,
                onlyKey: rule.forEach == nil ? nil : timer.key)
        }
        forgetDeferred(dueBy: time)
    }

    /// Recomputes the timers of the timed rules that read one of the `changed` context
    /// declarations (indexes) of one entity. Only instants after the clock are kept: an instant
    /// already reached was covered by the event evaluation that made it so.
    func scheduleTimers(for subject: String, changed: [Int]) {
        guard let now = clock else { return }
        for (index, inputs) in ruleSet.timerRules {
            if let inputs, !inputs.contains(where: changed.contains) { continue }
            let rule = ruleSet.rules[index]
            guard let at = rule.timer else { continue }
            var entries = Set<TimerEntry>()
            let activation = makeActivation(rule.scope, subject: subject, eventValue: nil, now: now, scores: nil)
            do {
                if let forEach = rule.forEach, let slot = rule.scope.item {
                    guard case .list(let items) = try forEach.items.evaluate(activation) else { continue }
                    for item in items {
                        let itemActivation = makeActivation(
                            rule.scope, subject: subject, eventValue: nil, now: now, scores: nil)
                        itemActivation.set(slot, item)
                        itemActivation.continueBudget(of: activation)  // one budget for all the items
                        defer { activation.continueBudget(of: itemActivation) }
                        if case .timestamp(let when) = try at.evaluate(itemActivation), when > now {
                            entries.insert(TimerEntry(at: when, ruleOrder: rule.order, rule: rule.id, subject: subject,
                                key: Engine.itemKey(item)))
                        }
                    }
                } else if case .timestamp(let when) = try at.evaluate(activation), when > now {
                    entries.insert(TimerEntry(at: when, ruleOrder: rule.order, rule: rule.id, subject: subject, key: ""))
                }
            } catch {
                record(fault: "timer: \(error.message)", rule: rule.id, eventID: nil)
                continue
            }
            if timers.replace(rule: rule.id, subject: subject, with: entries), recordsChanges {
                touchedTimers.insert(TimerOwner(rule: rule.id, subject: subject))
            }
        }
    }
}
