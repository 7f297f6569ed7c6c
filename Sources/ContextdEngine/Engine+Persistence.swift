public import ContextdEvents

extension Engine {
    /// An engine that goes on from a stored snapshot, under `ruleSet` (which may differ from
    /// the rule set the snapshot was taken under: timers of rules that are gone are dropped).
    public convenience init(
        ruleSet: RuleSet, dedupRetention: TimeSpan = .days(7), allowedLateness: TimeSpan = .days(7),
        restoring snapshot: EngineSnapshot
    ) {
        self.init(ruleSet: ruleSet, dedupRetention: dedupRetention, allowedLateness: allowedLateness)
        clock = snapshot.clock
        for context in snapshot.contexts { contexts[context.subject] = context }
        for timer in snapshot.timers {
            guard let rule = ruleSet.rule(named: timer.rule), rule.timer != nil else { continue }
            var entry = timer
            entry.ruleOrder = rule.order
            timers.insert(entry)
        }
        for seen in snapshot.seenEvents { seenEvents[SeenEventKey(source: seen.source, id: seen.id)] = seen.time }
        dedupIndex = snapshot.dedupKeys
        limitIndex = snapshot.limitKeys
        for task in snapshot.deferredTasks {
            guard let notBefore = task.notBefore, clock.map({ notBefore > $0 }) ?? true else { continue }
            deferred[task.id] = task
            deferredByAssignee[task.assignee, default: []].insert(task.id)
        }
    }

    /// The durable state changed since the previous call (or since ``recordsChanges`` was
    /// turned on), for a store to commit; resets the record.
    public func takeChanges() -> StateChanges {
        var result = StateChanges(clock: clock)
        result.contexts = touchedSubjects.sorted().compactMap { contexts[$0] }
        for owner in touchedTimers { result.timers[owner] = timers.entries(of: owner) }
        result.seenEvents = newSeenEvents
        for key in touchedDedupKeys { result.dedupKeys[key] = dedupIndex[key] }
        for key in touchedLimitKeys { result.limitKeys[key] = limitIndex[key] ?? [] }
        if sharedKeys != nil {
            keepShared(touchedDedupKeys)
            keepShared(touchedLimitKeys)
        }
        touchedSubjects.removeAll(keepingCapacity: true)
        touchedTimers.removeAll(keepingCapacity: true)
        newSeenEvents.removeAll(keepingCapacity: true)
        touchedDedupKeys.removeAll(keepingCapacity: true)
        touchedLimitKeys.removeAll(keepingCapacity: true)
        return result
    }
}
