import ContextdEngine
import ContextdEvents
import GRDB

/// Writes one ``Commit`` inside an open transaction, with cached statements.
struct StoreWriter {
    let db: Database

    /// Writes the batch's rows; the caller ran its barrier first.
    func write(_ batch: Commit) throws -> CommitReceipt {
        var receipt = CommitReceipt()
        let changes = batch.changes
        if let clock = changes.clock {
            try execute("INSERT INTO engine_meta (id, clock) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET clock = excluded.clock",
                [clock.milliseconds])
        }
        for context in changes.contexts {
            try execute("""
                INSERT INTO entity_context (subject, state) VALUES (?, ?)
                ON CONFLICT (subject) DO UPDATE SET state = excluded.state
                """, [context.subject, context.storedText])
        }
        for (owner, entries) in changes.timers {
            try execute("DELETE FROM timer WHERE rule = ? AND subject = ?", [owner.rule, owner.subject])
            for entry in entries {
                try execute("INSERT OR IGNORE INTO timer (rule, subject, key, at) VALUES (?, ?, ?, ?)",
                    [entry.rule, entry.subject, entry.key, entry.at.milliseconds])
            }
        }
        for seen in changes.seenEvents {
            try execute("INSERT OR REPLACE INTO seen_event (source, id, time) VALUES (?, ?, ?)",
                [seen.source, seen.id, seen.time.milliseconds])
        }
        for (key, time) in changes.dedupKeys {
            try execute("INSERT OR REPLACE INTO dedup_key (key, time) VALUES (?, ?)", [key, time.milliseconds])
        }
        for (key, times) in changes.limitKeys {
            try execute("INSERT OR REPLACE INTO limit_key (key, times) VALUES (?, ?)",
                [key, PersistentValue.encode(.list(times.map(Value.timestamp)))])
        }
        var stagedHere: Set<String> = []
        for change in batch.tasks {
            if case .created(let task) = change, let outbox = batch.outbox, outbox.staged.contains(task.id) {
                if try insert(task, as: .staged, at: outbox.time) {
                    stagedHere.insert(task.id)
                } else {
                    receipt.notStaged.insert(task.id)
                }
            } else {
                try write(change)
            }
        }
        // The same id twice in one batch is staged once, by its first insert.
        receipt.notStaged.subtract(stagedHere)
        if let outbox = batch.outbox { try mark(outbox.written, as: .written, at: outbox.time) }
        for (spool, file) in batch.finishedFiles {
            try execute("DELETE FROM file_progress WHERE spool = ? AND file = ?", [spool, file])
            try execute("DELETE FROM file_reject WHERE spool = ? AND file = ?", [spool, file])
        }
        for progress in batch.progress {
            try execute("INSERT OR REPLACE INTO file_progress (spool, file, items, finished) VALUES (?, ?, ?, ?)",
                [progress.spool, progress.file, progress.items, progress.finished])
        }
        for reject in batch.rejects {
            try execute("INSERT INTO file_reject (spool, file, line, error, raw, late) VALUES (?, ?, ?, ?, ?, ?)",
                [reject.spool, reject.file, reject.rejection.line, reject.rejection.error, reject.rejection.raw,
                    reject.late])
        }
        for explanation in batch.explanations {
            if explanation.appends {
                try execute("UPDATE task_explanation SET text = text || ? WHERE id = ?", [explanation.text, explanation.taskID])
            } else {
                try execute("INSERT OR IGNORE INTO task_explanation (id, text) VALUES (?, ?)",
                    [explanation.taskID, explanation.text])
            }
        }
        for seq in batch.appliedOutcomes {
            try execute("DELETE FROM task_outcome WHERE seq = ?", [seq])
        }
        return receipt
    }

    private func write(_ change: TaskChange) throws {
        switch change {
        case .created(let task):
            _ = try insert(task, as: .pending, at: nil)
        case .expiredOnArrival(let task):
            if try insert(task, as: .expired, at: task.createdAt) {
                try execute("UPDATE task SET expired_on_arrival = 1 WHERE id = ?", [task.id])
            }
        case .released(let task):
            try execute("""
                UPDATE task SET due_at = ?, expires_before_due = ?, record = ? WHERE id = ? AND delivery = 'pending'
                """, [task.dueAt.milliseconds, task.expiresBeforeDue, task.storedText, task.id])
        case .suppressed(let task, let policy):
            try execute("""
                INSERT INTO suppressed_task (id, rule, subject, assignee, policy, created_at, record)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                """, [task.id, task.rule, task.subject, task.assignee, policy, task.createdAt.milliseconds,
                    task.storedText])
        }
    }

    /// Moves tasks to a delivery state, noting when.
    func mark(_ ids: [String], as state: TaskDelivery, at time: Timestamp) throws {
        for id in ids {
            try execute("UPDATE task SET delivery = ?, delivered_at = ? WHERE id = ?",
                [state.rawValue, time.milliseconds, id])
        }
    }

    /// Inserts a task `pending`, `staged` at a time, or `expired` (on arrival: the caller marks
    /// it so, on that rare path only); false when its id was already there.
    /// A task id is written at most once, whatever happens: a redone batch cannot duplicate it.
    private func insert(_ task: TaskRecord, as delivery: TaskDelivery, at time: Timestamp?) throws -> Bool {
        try execute("""
            INSERT INTO task (id, rule, subject, assignee, priority, created_at, due_at, expires_at, expires_before_due,
                deferred_by, record, delivery, delivered_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
            """, [task.id, task.rule, task.subject, task.assignee, task.priority, task.createdAt.milliseconds,
                task.dueAt.milliseconds, task.expiresAt?.milliseconds, task.expiresBeforeDue, task.deferredBy,
                task.storedText, delivery.rawValue, time?.milliseconds])
        return db.changesCount > 0
    }

    private func execute(_ sql: String, _ arguments: StatementArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
