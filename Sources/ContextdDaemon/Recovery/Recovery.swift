import ContextdEvents
import ContextdSpool
import ContextdStore
import Logging

/// What a previous process left, found at start (before READY=1): outbox files it staged but
/// may not have renamed, and spool files it claimed into `cur/` but had not finished.
///
/// It decides and says what becomes of each; the loop redoes the files it names, through the
/// same path as any file, so a redone file is applied exactly as a new one from where its
/// committed progress got. It reads the store only through ``OutboxLedger`` and ``SpoolLedger``.
struct Recovery {
    let outbox: FileOutbox
    let store: any OutboxLedger & SpoolLedger
    let logger: Logger

    /// A file left in `cur/`, and how far the store says it got (nil: nothing of it committed).
    struct Leftover: Equatable {
        var name: String
        var progress: FileProgress?
    }

    /// A spool's leftovers: the files to redo, in name order, and the files whose progress the
    /// store still holds though they are no longer in `cur/` (to forget in the next commit).
    struct SpoolLeftovers: Equatable {
        var redo: [Leftover] = []
        var forgotten: [String] = []
    }

    /// Tasks `staged` when the previous process stopped: each file still in `tmp/` renamed into
    /// `new/`, every one marked `written` (decision 0010). Returns how many.
    func finishOutbox(at time: Timestamp) throws -> Int {
        let finished = try outbox.recover(store: store, at: time)
        if finished > 0 { logger.notice("outbox recovered", metadata: ["tasks": "\(finished)"]) }
        return finished
    }

    /// What is left of `spool`'s files (the input `input`): those in `cur/`, with their
    /// progress, to redo; the progress of files gone, to forget. A file that left `cur/` before
    /// it was finished is said: what it held after its progress was never applied.
    func leftovers(of spool: Spool, input: String) throws -> SpoolLeftovers {
        let names = try spool.leftovers()
        let present = Set(names)
        let progress = try store.progress(spool: input)
        var found = SpoolLeftovers()
        for (name, file) in progress.sorted(by: { $0.key < $1.key }) where !present.contains(name) {
            if !file.finished {
                // Moved or deleted out of cur/ while the daemon was down: what was not applied is lost.
                logger.warning("file gone from cur/ before it was finished; the rest of it was never applied",
                    metadata: ["spool": "\(input)", "file": "\(name)", "items_applied": "\(file.items)"])
            }
            found.forgotten.append(name)
        }
        found.redo = names.map { Leftover(name: $0, progress: progress[$0]) }
        return found
    }
}
