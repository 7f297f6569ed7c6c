import ContextdEngine
import ContextdEvents
import ContextdSpool
import ContextdStore

/// The file outbox of SPEC §3: `<outbox>/new/<task id>.json`, each written exactly once.
///
/// A consumer may take a file out of `new/` the instant it appears, so "is it in `new/`?"
/// cannot tell whether a task was written. The store tells instead, in two steps:
/// 1. the file is written completely to `tmp/` and synced (one `syncfs` for a group of files),
///    then the task is marked `staged`;
/// 2. the file is renamed into `new/`, then the task is marked `written`.
/// After a crash, a `staged` task whose file is still in `tmp/` was never renamed (rename it
/// now); one whose file is gone from `tmp/` was renamed (mark it written). A `pending` task is
/// simply written again from `tmp/` up: nobody has seen it.
///
/// The tasks a group of events makes due at once take the short way (``stage(_:at:httpAssignees:)``,
/// decision 0010): their files are written before the group commits, and the group's own
/// commit syncs them and marks them `staged`; the next commit marks them `written`. The rest
/// (deferred tasks coming due, tasks released early) go through ``flush(store:clock:heartbeat:)``,
/// which takes the two steps with commits of their own.
struct FileOutbox {
    let directory: String
    var tmp: String { directory + "/tmp" }
    var new: String { directory + "/new" }

    /// Where a task's file is written, complete but not yet visible.
    private func stagedFile(_ id: String) -> String { tmp + "/" + id + ".json" }
    /// Where consumers find it.
    private func publishedFile(_ id: String) -> String { new + "/" + id + ".json" }

    /// A task's file in `tmp/`, not synced: the caller flushes a group of them at once.
    private func writeStaged(_ task: TaskRecord) throws {
        try writeUnsynced(Array((task.json + "\n").utf8), to: stagedFile(task.id))
    }

    init(directory: String) throws {
        self.directory = directory
        try makeDirectories(directory + "/tmp")
        try makeDirectories(directory + "/new")
    }

    /// Finishes what a crash interrupted; drops files in `tmp/` that no staged task owns.
    func recover(store: any OutboxLedger, at time: Timestamp) throws -> Int {
        var finished: [String] = []
        for task in try store.tasks(in: .staged) {
            let staged = stagedFile(task.record.id)
            if entryExists(staged) { try DurableFile.rename(staged, to: publishedFile(task.record.id)) }
            finished.append(task.record.id)
        }
        if !finished.isEmpty { try fsyncDirectory(new) }
        try store.markTasks(finished, as: .written, at: time)
        for name in try directoryEntries(tmp) { DurableFile.remove(tmp + "/" + String(decoding: name, as: UTF8.self)) }
        return finished.count
    }

    /// Writes into `tmp/` (unsynced) the file of each task of a batch that is due at `clock`,
    /// unexpired, and not for an HTTP assignee: the tasks ``flush(store:clock:heartbeat:)``
    /// would write right after the commit. Returns their ids; the commit's barrier syncs the
    /// files (``DiskFlushes``) and the commit marks them `staged`.
    func stage(_ tasks: [TaskChange], at clock: Timestamp?, httpAssignees: [String]) throws -> [String] {
        var staged: [String] = []
        var seen: Set<String> = []
        if let clock {
            for case .created(let task) in tasks {
                guard task.isDue(at: clock), !assignee(task.assignee, isUnder: httpAssignees),
                    seen.insert(task.id).inserted
                else { continue }
                try writeStaged(task)
                staged.append(task.id)
            }
        }
        return staged
    }

    /// After the commit that staged them: renames the files into `new/`, where consumers see
    /// them, and drops those whose task the store did not insert. Returns the ids published.
    func publish(_ staged: [String], receipt: CommitReceipt) throws -> [String] {
        var published: [String] = []
        for id in staged {
            if receipt.notStaged.contains(id) {
                DurableFile.remove(stagedFile(id))
                continue
            }
            try DurableFile.rename(stagedFile(id), to: publishedFile(id))
            published.append(id)
        }
        return published
    }

    /// Writes every task due at `clock`; expires the ones whose time ran out first.
    /// `heartbeat` is called after every group of files, so a large flush on a slow disk
    /// does not look like a hang to the systemd watchdog.
    func flush(store: any OutboxLedger, clock: Timestamp, heartbeat: () -> Void) throws -> (written: Int, expired: Int) {
        let expired = try store.expireTasks(at: clock)
        var written = 0
        while true {
            let due = try store.dueTasks(at: clock, limit: 512)
            if due.isEmpty { break }
            let ids = due.map(\.record.id)
            // One flush for the whole group (docs/decisions/0006-group-commit.md): every file is
            // complete on disk before any is staged.
            for task in due { try writeStaged(task.record) }
            try syncFileSystem(of: tmp)
            try store.markTasks(ids, as: .staged, at: clock)
            for id in ids { try DurableFile.rename(stagedFile(id), to: publishedFile(id)) }
            try fsyncDirectory(new)
            try store.markTasks(ids, as: .written, at: clock)
            written += ids.count
            heartbeat()
        }
        return (written, expired)
    }
}
