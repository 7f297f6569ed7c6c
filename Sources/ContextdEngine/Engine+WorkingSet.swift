extension Engine {
    /// The context of `subject`, wherever it is: held, retiring (then held again), or in the
    /// ``contextSource``. An entity the source does not know is held as an empty context, so
    /// the next look does not ask again.
    func heldContext(of subject: String) -> EntityContext? {
        if let context = contexts[subject] { return context }
        guard let context = adopt(subject) else { return nil }
        contexts[subject] = context
        return context
    }

    /// Removes `subject`'s context from what the engine holds, to be changed in place and put
    /// back (folds).
    func takeContext(of subject: String) -> EntityContext? {
        contexts.removeValue(forKey: subject) ?? adopt(subject)
    }

    /// A context the engine does not hold in its current generation: from the retiring one,
    /// or read from the source.
    private func adopt(_ subject: String) -> EntityContext? {
        if let context = retiringContexts.removeValue(forKey: subject) { return context }
        guard let contextSource else { return nil }
        if tracksEntityReads { entityReads.insert(subject) }
        return contextSource.storedContext(of: subject) ?? EntityContext(subject: subject)
    }

    /// How many entity contexts are in memory.
    public var contextsHeld: Int { contexts.count + retiringContexts.count }

    /// Lets go of the contexts not used lately, so that about `limit` stay in memory; the
    /// ``contextSource`` gives them back when an event needs one again.
    ///
    /// Two generations approximate "least recently used" without a list to maintain per
    /// access: a context used since the last trim is in the current generation; when that
    /// generation reaches half the limit, it becomes the retiring one and the previous
    /// retiring generation (contexts not used for a whole generation) is dropped. A context
    /// of the retiring generation that is used moves back to the current one. At most
    /// `limit` contexts plus those one batch touches are held.
    ///
    /// Only right after ``takeChanges()``, and only once the batches taken before the previous
    /// trim are committed: a context dropped must be the one the store holds. It is, because a
    /// dropped context was not used since the previous trim, so its last change is in a batch
    /// taken before it. The daemon trims after handing a batch to the store, having waited for
    /// the batch before (decision 0009). Does nothing without a source, or while changes are
    /// untaken.
    public func trimContexts(keeping limit: Int) {
        guard contextSource != nil, touchedSubjects.isEmpty, contexts.count >= max(limit / 2, 1) else { return }
        retiringContexts = contexts
        contexts = [:]
    }
}
