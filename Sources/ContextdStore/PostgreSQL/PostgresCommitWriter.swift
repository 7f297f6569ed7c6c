import ContextdEngine
import ContextdEvents
import PostgresNIO

/// Writes one ``Commit`` inside an open transaction: ``StoreWriter``'s rows, in PostgreSQL.
///
/// Rows of a kind go in one statement over arrays (`unnest`) where the order within the kind
/// does not matter, so a group of a thousand contexts costs two round trips, not a thousand.
/// Tasks go one by one: each insert must say whether its id was new (``CommitReceipt/notStaged``).
struct PostgresCommitWriter {
    let run: (PostgresQuery) throws -> PostgresQueryResult
    /// The node whose outbox holds the files of the tasks this commit stages (a node of
    /// several: `task.staged_by`, what its outbox scope selects); nil for a daemon alone.
    var stagedBy: String? = nil

    func write(_ batch: Commit) throws -> CommitReceipt {
        var receipt = CommitReceipt()
        let changes = batch.changes
        try writeContexts(changes.contexts)
        try writeTimers(changes.timers)
        if !changes.seenEvents.isEmpty {
            // The last of a (source, id) wins, as SQLite's INSERT OR REPLACE row by row.
            var latest: [String: Int] = [:]
            var sources: [String] = [], ids: [String] = [], times: [Int64] = []
            for seen in changes.seenEvents {
                let key = seen.source + "\u{0}" + seen.id
                if let index = latest[key] {
                    times[index] = seen.time.milliseconds
                } else {
                    latest[key] = ids.count
                    sources.append(seen.source)
                    ids.append(seen.id)
                    times.append(seen.time.milliseconds)
                }
            }
            _ = try run("""
                INSERT INTO seen_event (source, id, time)
                SELECT * FROM unnest(\(sources)::text[], \(ids)::text[], \(times)::bigint[])
                ON CONFLICT (source, id) DO UPDATE SET time = excluded.time
                """)
        }
        if !changes.dedupKeys.isEmpty {
            let keys = Array(changes.dedupKeys.keys)
            let times = keys.map { changes.dedupKeys[$0]!.milliseconds }
            _ = try run("""
                INSERT INTO dedup_key (key, time) SELECT * FROM unnest(\(keys)::text[], \(times)::bigint[])
                ON CONFLICT (key) DO UPDATE SET time = excluded.time
                """)
        }
        if !changes.limitKeys.isEmpty {
            let keys = Array(changes.limitKeys.keys)
            let times = keys.map { PersistentValue.encode(.list(changes.limitKeys[$0]!.map(Value.timestamp))) }
            _ = try run("""
                INSERT INTO limit_key (key, times) SELECT * FROM unnest(\(keys)::text[], \(times)::text[])
                ON CONFLICT (key) DO UPDATE SET times = excluded.times
                """)
        }
        // Runs of created tasks (most of a batch) go in one statement each; the other changes
        // in order between them, since a release or a suppression may concern a task created
        // just before it.
        var stagedHere: Set<String> = []
        var created: [TaskRecord] = []
        for change in batch.tasks {
            if case .created(let task) = change {
                created.append(task)
                continue
            }
            try insertCreated(created, outbox: batch.outbox, stagedHere: &stagedHere, notStaged: &receipt.notStaged)
            created.removeAll(keepingCapacity: true)
            try write(change)
        }
        try insertCreated(created, outbox: batch.outbox, stagedHere: &stagedHere, notStaged: &receipt.notStaged)
        // The same id twice in one batch is staged once, by its first insert.
        receipt.notStaged.subtract(stagedHere)
        if let outbox = batch.outbox, !outbox.written.isEmpty {
            _ = try run(PostgresStore.mark(outbox.written, as: .written, at: outbox.time))
        }
        for (spool, file) in batch.finishedFiles {
            _ = try run("DELETE FROM file_progress WHERE spool = \(spool) AND file = \(file)")
            _ = try run("DELETE FROM file_reject WHERE spool = \(spool) AND file = \(file)")
        }
        for progress in batch.progress {
            _ = try run("""
                INSERT INTO file_progress (spool, file, items, finished)
                VALUES (\(progress.spool), \(progress.file), \(progress.items), \(progress.finished))
                ON CONFLICT (spool, file) DO UPDATE SET items = excluded.items, finished = excluded.finished
                """)
        }
        for reject in batch.rejects {
            _ = try run("""
                INSERT INTO file_reject (spool, file, line, error, raw, late)
                VALUES (\(reject.spool), \(reject.file), \(reject.rejection.line), \(reject.rejection.error),
                    \(reject.rejection.raw), \(reject.late))
                """)
        }
        // Likewise runs of new explanations; an appended line in order between them.
        var texts: [TaskExplanation] = []
        for explanation in batch.explanations {
            guard explanation.appends else {
                texts.append(explanation)
                continue
            }
            try insertExplanations(texts)
            texts.removeAll(keepingCapacity: true)
            _ = try run("UPDATE task_explanation SET text = text || \(explanation.text) WHERE id = \(explanation.taskID)")
        }
        try insertExplanations(texts)
        if !batch.appliedOutcomes.isEmpty {
            _ = try run("DELETE FROM task_outcome WHERE seq = ANY(\(batch.appliedOutcomes)::bigint[])")
        }
        return receipt
    }

    /// A committed context replaces every row of its subject: one per declaration.
    private func writeContexts(_ contexts: [EntityContext]) throws {
        guard !contexts.isEmpty else { return }
        // The last context of a subject wins, as SQLite's upsert row by row.
        var last: [String: Int] = [:]
        for (index, context) in contexts.enumerated() { last[context.subject] = index }
        var subjects: [String] = [], declarations: [String] = [], partitions: [Int64] = [], states: [String] = []
        var replaced: [String] = []
        for (index, context) in contexts.enumerated() where last[context.subject] == index {
            replaced.append(context.subject)
            let partition = EntityPartition.of(context.subject)
            for (declaration, state) in context.states {
                subjects.append(context.subject)
                declarations.append(declaration)
                partitions.append(partition)
                states.append(EntityContext.storedText(of: state))
            }
        }
        _ = try run("DELETE FROM entity_context WHERE subject = ANY(\(replaced)::text[])")
        guard !subjects.isEmpty else { return }
        _ = try run("""
            INSERT INTO entity_context (subject, declaration, partition, state)
            SELECT * FROM unnest(\(subjects)::text[], \(declarations)::text[], \(partitions)::bigint[], \(states)::text[])
            """)
    }

    /// The timers of each (rule, subject) replace the ones it had.
    private func writeTimers(_ timers: [TimerOwner: [TimerEntry]]) throws {
        guard !timers.isEmpty else { return }
        let owners = Array(timers.keys)
        _ = try run("""
            DELETE FROM timer WHERE (rule, subject) IN (
                SELECT * FROM unnest(\(owners.map(\.rule))::text[], \(owners.map(\.subject))::text[]))
            """)
        let entries = owners.flatMap { timers[$0]! }
        guard !entries.isEmpty else { return }
        _ = try run("""
            INSERT INTO timer (rule, subject, key, at, partition)
            SELECT * FROM unnest(\(entries.map(\.rule))::text[], \(entries.map(\.subject))::text[],
                \(entries.map(\.key))::text[], \(entries.map(\.at.milliseconds))::bigint[],
                \(entries.map { EntityPartition.of($0.subject) })::bigint[])
            ON CONFLICT DO NOTHING
            """)
    }

    private func write(_ change: TaskChange) throws {
        switch change {
        case .created(let task):
            _ = try insert(task, as: .pending, at: nil)
        case .expiredOnArrival(let task):
            _ = try insert(task, as: .expired, at: task.createdAt, expiredOnArrival: true)
        case .released(let task):
            _ = try run("""
                UPDATE task SET due_at = \(task.dueAt.milliseconds), expires_before_due = \(task.expiresBeforeDue),
                record = \(task.storedText) WHERE id = \(task.id) AND delivery = 'pending'
                """)
        case .suppressed(let task, let policy):
            _ = try run("""
                INSERT INTO suppressed_task (id, rule, subject, assignee, partition, policy, created_at, record)
                VALUES (\(task.id), \(task.rule), \(task.subject), \(task.assignee), \(EntityPartition.of(task.subject)),
                    \(policy), \(task.createdAt.milliseconds), \(task.storedText))
                ON CONFLICT (id) DO NOTHING
                """)
        }
    }

    /// Inserts created tasks in one statement: `staged` at the outbox's time when the outbox
    /// staged them, `pending` otherwise. An id already stored (or earlier in the run) is not
    /// inserted; a staged one of those comes back in `notStaged`.
    private func insertCreated(
        _ tasks: [TaskRecord], outbox: OutboxDelivery?, stagedHere: inout Set<String>, notStaged: inout Set<String>
    ) throws {
        guard !tasks.isEmpty else { return }
        // Arrays cannot hold NULL here: an absent time is Int64.min, an absent deferred_by "".
        let none = Int64.min
        let staged = tasks.map { outbox?.staged.contains($0.id) ?? false }
        let result = try run("""
            INSERT INTO task (id, rule, subject, assignee, partition, priority, created_at, due_at, expires_at,
                expires_before_due, deferred_by, record, delivery, delivered_at, staged_by)
            SELECT id, rule, subject, assignee, partition, priority, created_at, due_at, NULLIF(expires_at, \(none)),
                expires_before_due, CASE WHEN deferred THEN deferred_by END, record, delivery,
                NULLIF(delivered_at, \(none)), CASE WHEN delivery = 'staged' THEN \(stagedBy)::text END
            FROM unnest(\(tasks.map(\.id))::text[], \(tasks.map(\.rule))::text[], \(tasks.map(\.subject))::text[],
                \(tasks.map(\.assignee))::text[], \(tasks.map { EntityPartition.of($0.subject) })::bigint[],
                \(tasks.map(\.priority))::float8[], \(tasks.map(\.createdAt.milliseconds))::bigint[],
                \(tasks.map(\.dueAt.milliseconds))::bigint[], \(tasks.map { $0.expiresAt?.milliseconds ?? none })::bigint[],
                \(tasks.map(\.expiresBeforeDue))::bool[], \(tasks.map { $0.deferredBy ?? "" })::text[],
                \(tasks.map { $0.deferredBy != nil })::bool[], \(tasks.map(\.storedText))::text[],
                \(staged.map { $0 ? TaskDelivery.staged.rawValue : TaskDelivery.pending.rawValue })::text[],
                \(staged.map { $0 ? (outbox?.time.milliseconds ?? none) : none })::bigint[])
                WITH ORDINALITY AS row (id, rule, subject, assignee, partition, priority, created_at, due_at, expires_at,
                    expires_before_due, deferred_by, deferred, record, delivery, delivered_at, n)
            ORDER BY n
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """)
        let inserted = Set(try result.rows.map { try PostgresRowReader($0)["id", as: String.self] })
        for (task, isStaged) in zip(tasks, staged) where isStaged {
            if inserted.contains(task.id) { stagedHere.insert(task.id) } else { notStaged.insert(task.id) }
        }
    }

    /// New explanations in one statement; one already kept is not replaced.
    private func insertExplanations(_ explanations: [TaskExplanation]) throws {
        guard !explanations.isEmpty else { return }
        _ = try run("""
            INSERT INTO task_explanation (id, text)
            SELECT id, text FROM unnest(\(explanations.map(\.taskID))::text[], \(explanations.map(\.text))::text[])
                WITH ORDINALITY AS row (id, text, n)
            ORDER BY n
            ON CONFLICT (id) DO NOTHING
            """)
    }

    /// Inserts a task; false when its id was already there. A task id is written at most once,
    /// whatever happens: a redone batch cannot duplicate it.
    private func insert(
        _ task: TaskRecord, as delivery: TaskDelivery, at time: Timestamp?, expiredOnArrival: Bool = false
    ) throws -> Bool {
        let result = try run("""
            INSERT INTO task (id, rule, subject, assignee, partition, priority, created_at, due_at, expires_at,
                expires_before_due, deferred_by, record, delivery, delivered_at, expired_on_arrival)
            VALUES (\(task.id), \(task.rule), \(task.subject), \(task.assignee), \(EntityPartition.of(task.subject)),
                \(task.priority), \(task.createdAt.milliseconds), \(task.dueAt.milliseconds),
                \(task.expiresAt?.milliseconds), \(task.expiresBeforeDue), \(task.deferredBy), \(task.storedText),
                \(delivery.rawValue), \(time?.milliseconds), \(expiredOnArrival))
            ON CONFLICT (id) DO NOTHING
            """)
        return (result.metadata.rows ?? 0) > 0
    }
}
