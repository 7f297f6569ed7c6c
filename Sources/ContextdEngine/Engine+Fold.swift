import ContextdEvents
import ContextdExpressions

extension Engine {
    /// Folds an event into its subject's context; returns the declarations (indexes) it changed.
    func fold(_ event: Event, eventValue: Value) -> [Int] {
        guard let indexes = ruleSet.contextsByEventType[event.type] else { return [] }
        let activation = reusedFoldActivation()
        if let slot = ruleSet.foldScope.event { activation.set(slot, eventValue) }
        if let slot = ruleSet.foldScope.now { activation.set(slot, .timestamp(event.time)) }
        if let slot = ruleSet.foldScope.subject { activation.set(slot, .string(event.subject)) }
        // Taken out of the map while it is folded, so its storage is uniquely referenced and
        // changes happen in place instead of copying the entity's states on every event.
        let existing = takeContext(of: event.subject)
        var context = existing ?? EntityContext(subject: event.subject)
        var changed: [Int] = []
        for index in indexes {
            let declaration = ruleSet.contexts[index]
            do {
                if try fold(event, into: &context, declaration: declaration, activation: activation) {
                    changed.append(index)
                }
            } catch {
                record(fault: "context '\(declaration.name)': \(error.message)", rule: "context:" + declaration.name,
                    eventID: event.id)
            }
        }
        if !changed.isEmpty || existing != nil { contexts[event.subject] = context }
        if !changed.isEmpty, recordsChanges { touchedSubjects.insert(event.subject) }
        return changed
    }

    /// A fold's expressions (`when`, `value`, a collection's `key`) see only `event`, `now` and
    /// `subject`, and nothing keeps their activation: one serves every event.
    private func reusedFoldActivation() -> Activation {
        if let activation = foldActivation {
            activation.reset()
            activation.limitSteps(to: ruleSet.evaluationBudget)
            return activation
        }
        let activation = Activation(slotCount: ruleSet.foldScope.environment.slotCount)
        activation.limitSteps(to: ruleSet.evaluationBudget)
        foldActivation = activation
        return activation
    }

    private func fold(
        _ event: Event, into context: inout EntityContext, declaration: ContextDeclaration, activation: Activation
    ) throws(EvaluationError) -> Bool {
        // `contextsByEventType` lists a declaration for the types of its `on` and, for a
        // collection, of its `remove_on`: only a collection needs to ask which it was.
        if case .collection(let key, let removeOn) = declaration.kind {
            if removeOn.contains(event.type) {
                return try remove(key.evaluate(activation), from: &context, declaration: declaration)
            }
            guard declaration.on.contains(event.type) else { return false }
        }
        if let when = declaration.when, try when.evaluate(activation) != .bool(true) { return false }
        let kept = try declaration.value?.evaluate(activation) ?? event.data
        let entry = ContextEntry(value: kept, time: event.time, eventID: event.id, eventType: event.type)
        let name = declaration.name
        switch declaration.kind {
        case .latest:
            if case .latest(let current?) = context.states[name], current.time > event.time { return false }
            context.states[name] = .latest(entry)
        case .collection(let key, _):
            let item = entry.keyed(try Engine.string(key.evaluate(activation)))
            var items: [ContextEntry] = []
            if case .collection(let existing) = context.states.removeValue(forKey: name) { items = existing }
            items.removeAll { $0.key == item.key }
            items.append(item)
            items.sort { ($0.time, $0.key ?? "") < ($1.time, $1.key ?? "") }
            context.states[name] = .collection(items)
        case .count(let window), .sum(let window):
            var amount = 1.0
            if case .sum = declaration.kind {
                guard case .number(let n) = kept else { return false }
                amount = n
            }
            var points: [ContextState.WindowPoint] = []
            if case .window(let existing) = context.states.removeValue(forKey: name) { points = existing }
            let point = ContextState.WindowPoint(time: event.time, amount: amount)
            let at = ContextEntryWindow.firstIndex(in: points) { $0.time > event.time }
            points.insert(point, at: at)
            // Keep what a late event (up to `allowedLateness` behind the clock) still needs.
            let horizon = max(clock ?? event.time, event.time) - window - allowedLateness
            let keepFrom = ContextEntryWindow.firstIndex(in: points) { $0.time > horizon }
            if keepFrom > 0 { points.removeFirst(keepFrom) }
            context.states[name] = .window(points)
        case .history(let size):
            var entries: [ContextEntry] = []
            if case .history(let existing) = context.states.removeValue(forKey: name) { entries = existing }
            let at = entries.lastIndex { $0.time <= event.time }.map { $0 + 1 } ?? 0
            entries.insert(entry, at: at)
            if entries.count > size { entries.removeFirst(entries.count - size) }
            context.states[name] = .history(entries)
        }
        return true
    }

    /// Removes the items under `key` from a collection (its `remove_on`).
    private func remove(_ key: Value, from context: inout EntityContext, declaration: ContextDeclaration)
        throws(EvaluationError) -> Bool
    {
        let removed = try Engine.string(key)
        guard case .collection(var items)? = context.states[declaration.name] else { return false }
        // Drop the map's reference so `items` is the only one and changes in place.
        context.states[declaration.name] = nil
        let before = items.count
        items.removeAll { $0.key == removed }
        context.states[declaration.name] = .collection(items)
        return items.count != before
    }

    static func string(_ value: Value) throws(EvaluationError) -> String {
        switch value {
        case .string(let s): return s
        case .number(let n) where n == n.rounded() && abs(n) < 9e15: return String(Int64(n))
        case .null: throw EvaluationError(message: "key is null", range: SourceRange(start: 0, end: 0))
        default: return JSON.encode(value)
        }
    }
}
