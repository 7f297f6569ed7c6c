public import ContextdEvents

/// What an engine that holds only some partitions needs of the others (decision 0018 §3):
/// the events that release its deferred tasks, and, before a step that waits for the
/// watermark, what other partitions wrote that it reads (``CrossingPlan``).
extension Engine {
    /// An event of a partition this engine does not hold, whose type releases deferred tasks
    /// (``CrossingPlan/releaseTypes``): the clock steps to `clockAfter`, as for any event of
    /// another partition, then deferred tasks held here whose assignee is the event's subject
    /// are released as ``apply(_:)`` releases them, at the same point of the same entry. The
    /// event itself is not folded and triggers no rule: its owner does that.
    public func applyRelease(_ event: Event, clockAfter: Timestamp) -> [TaskChange] {
        let late = isBeyondLateness(event.time)
        let fired = advance(to: clockAfter)
        if !late { releaseDeferred(by: event, eventValue: event.value) }
        return fired + drainChanges()
    }

    /// Lets go of the contexts read from the ``contextSource`` (with ``tracksEntityReads``) of
    /// subjects `isForeign` names, so that the next read of one asks the source again: another
    /// node may have folded it since. Such a context is only ever read here, never folded, so
    /// nothing of it is lost. (Tracked where a context is read back, not where a rule asks for
    /// it: the release of a deferred task by another partition's event reads that event's
    /// subject too, and a copy kept from there would be as stale.)
    public func forgetEntityReads(where isForeign: (String) -> Bool) {
        for subject in entityReads where isForeign(subject) && !touchedSubjects.contains(subject) {
            contexts[subject] = nil
            retiringContexts[subject] = nil
        }
        entityReads.removeAll(keepingCapacity: true)
    }

    /// Reads again, from ``sharedKeys``, each shared key at its next use (not all of them now:
    /// a node may do this between every two steps, and reads only the few keys those use).
    public func invalidateSharedKeys() {
        sharedKeys?.generation += 1
    }

    /// Brings the limit or contact key `key` up to date from ``sharedKeys`` before a read
    /// (``freshen(_:read:)``).
    func freshenLimitKey(_ key: String) {
        freshen(key) { limitIndex[key] = $0.readLimit(key) }
    }

    /// Brings the dedup key `key` up to date from ``sharedKeys`` before a read.
    func freshenDedupKey(_ key: String) {
        freshen(key) { dedupIndex[key] = $0.readDedup(key) }
    }

    /// Reads `key` again (`read`) when it is shared and was not read since the last
    /// ``invalidateSharedKeys()``. A key this engine changed since (or in the changes it handed
    /// over last, ``takeChanges()``) is the latest already: another partition that writes it
    /// waits for this engine's commit first.
    private func freshen(_ key: String, read: (SharedKeySource) -> Void) {
        guard let shared = sharedKeys, shared.loaded[key] != shared.generation,
            shared.prefixes.contains(where: { key.hasPrefix($0) })
        else { return }
        shared.loaded[key] = shared.generation
        if touchedLimitKeys.contains(key) || touchedDedupKeys.contains(key) { return }
        read(shared)
    }

    /// Marks the shared keys a commit takes as current: until the next invalidation the
    /// engine's copy stays the one read, even while the commit is on its way to the store.
    func keepShared(_ keys: some Sequence<String>) {
        guard let shared = sharedKeys else { return }
        for key in keys where shared.prefixes.contains(where: { key.hasPrefix($0) }) {
            shared.loaded[key] = shared.generation
        }
    }
}

/// Where a node of several reads the dedup and limit keys that tasks of several partitions
/// share (``CrossingPlan/sharedKeyPrefixes``), one key at a time, as of the other partitions'
/// last commits (decision 0018 §3).
public final class SharedKeySource {
    let prefixes: [String]
    /// The stored time of a dedup key (nil: none).
    let readDedup: (String) -> Timestamp?
    /// The stored times of a limit or contact key (nil: none).
    let readLimit: (String) -> [Timestamp]?
    var generation = 0
    /// The generation at which each key was last brought up to date.
    var loaded: [String: Int] = [:]

    public init(
        prefixes: [String], readDedup: @escaping (String) -> Timestamp?, readLimit: @escaping (String) -> [Timestamp]?
    ) {
        self.prefixes = prefixes
        self.readDedup = readDedup
        self.readLimit = readLimit
    }
}
