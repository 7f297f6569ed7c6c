import GRDB

/// The schema, as named migrations applied in order and recorded in the database, so a newer
/// contextd upgrades an older data directory in place and never runs a step twice.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-engine-state") { db in
            try db.execute(sql: """
                CREATE TABLE engine_meta (id INTEGER PRIMARY KEY CHECK (id = 1), clock INTEGER);
                CREATE TABLE entity_context (subject TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE timer (
                    rule TEXT NOT NULL, subject TEXT NOT NULL, key TEXT NOT NULL, at INTEGER NOT NULL,
                    PRIMARY KEY (rule, subject, key, at)) WITHOUT ROWID;
                CREATE TABLE seen_event (
                    source TEXT NOT NULL, id TEXT NOT NULL, time INTEGER NOT NULL,
                    PRIMARY KEY (source, id)) WITHOUT ROWID;
                CREATE INDEX seen_event_by_time ON seen_event (time);
                CREATE TABLE dedup_key (key TEXT PRIMARY KEY, time INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE limit_key (key TEXT PRIMARY KEY, times TEXT NOT NULL) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v1-tasks") { db in
            try db.execute(sql: """
                CREATE TABLE task (
                    id TEXT PRIMARY KEY, rule TEXT NOT NULL, subject TEXT NOT NULL, assignee TEXT NOT NULL,
                    priority REAL NOT NULL, created_at INTEGER NOT NULL,
                    due_at INTEGER NOT NULL,          -- not_before, or created_at when there is none
                    expires_at INTEGER, deferred_by TEXT,
                    record TEXT NOT NULL,
                    delivery TEXT NOT NULL DEFAULT 'pending',
                    delivered_at INTEGER) WITHOUT ROWID;
                CREATE INDEX task_by_delivery ON task (delivery, due_at);
                """)
        }
        migrator.registerMigration("v1-spool-progress") { db in
            try db.execute(sql: """
                CREATE TABLE file_progress (
                    spool TEXT NOT NULL, file TEXT NOT NULL, items INTEGER NOT NULL, finished INTEGER NOT NULL,
                    PRIMARY KEY (spool, file)) WITHOUT ROWID;
                CREATE TABLE file_reject (
                    spool TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL, error TEXT NOT NULL,
                    raw TEXT NOT NULL);
                CREATE INDEX file_reject_by_file ON file_reject (spool, file);
                """)
        }
        migrator.registerMigration("v2-task-explanations") { db in
            try db.execute(sql: "CREATE TABLE task_explanation (id TEXT PRIMARY KEY, text TEXT NOT NULL) WITHOUT ROWID")
        }
        migrator.registerMigration("v3-task-leases") { db in
            // Tasks served over HTTP (SPEC §3): leased, acked with an outcome, or dead-lettered.
            // Outcomes wait in task_outcome until the engine has applied them as events.
            // Candidates a policy stopped are kept, so an operator can ask which policy and why.
            try db.execute(sql: """
                ALTER TABLE task ADD COLUMN lease_id TEXT;
                ALTER TABLE task ADD COLUMN lease_holder TEXT;
                ALTER TABLE task ADD COLUMN lease_until INTEGER;
                ALTER TABLE task ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE task ADD COLUMN outcome TEXT;
                ALTER TABLE task ADD COLUMN note TEXT;
                ALTER TABLE task ADD COLUMN acked_at INTEGER;
                CREATE INDEX task_queue ON task (delivery, priority DESC, created_at, id);
                CREATE TABLE task_outcome (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, task TEXT NOT NULL, rule TEXT NOT NULL,
                    subject TEXT NOT NULL, assignee TEXT NOT NULL, outcome TEXT NOT NULL, note TEXT,
                    time INTEGER NOT NULL);
                CREATE TABLE suppressed_task (
                    id TEXT PRIMARY KEY, rule TEXT NOT NULL, subject TEXT NOT NULL, assignee TEXT NOT NULL,
                    policy TEXT NOT NULL, created_at INTEGER NOT NULL, record TEXT NOT NULL) WITHOUT ROWID;
                CREATE INDEX suppressed_task_by_time ON suppressed_task (created_at);
                """)
        }
        migrator.registerMigration("v4-rowid-tables") { db in
            // WITHOUT ROWID suits rows under about a twentieth of a page (sqlite.org/withoutrowid.html).
            // A context, a task or an explanation is 0.6 to 2 KB: kept inside the key's b-tree, most
            // spilled to an overflow page and few shared a page, so every commit wrote twice the
            // pages it needed (decision 0009). As rowid tables, the key is a small unique index.
            // Each table is rebuilt from its own definition as the earlier migrations left it
            // (columns added by v3 included), without the clause.
            for table in rowidTables {
                let definition = try String.fetchOne(
                    db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", arguments: [table])
                let prefix = "CREATE TABLE \(table) ", suffix = " WITHOUT ROWID"
                guard let definition, definition.hasPrefix(prefix), definition.hasSuffix(suffix) else {
                    throw StoredRecordError(table: table, key: "schema", problem: "not the WITHOUT ROWID table v4 expects")
                }
                let columns = definition.dropFirst(prefix.count).dropLast(suffix.count)
                let indexes = try String.fetchAll(
                    db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                    arguments: [table])
                try db.execute(sql: """
                    CREATE TABLE \(table)_rowid \(columns);
                    INSERT INTO \(table)_rowid SELECT * FROM \(table);
                    DROP TABLE \(table);
                    ALTER TABLE \(table)_rowid RENAME TO \(table);
                    """)
                for index in indexes { try db.execute(sql: index) }
            }
        }
        migrator.registerMigration("v5-late-events") { db in
            // Late events (limits.allowed_lateness) wait with a file's rejects until it completes.
            try db.execute(sql: "ALTER TABLE file_reject ADD COLUMN late INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v6-expired-on-arrival") { db in
            // `/v1/status` says how many expired tasks never had a chance (created already
            // expired, a late file's): marked when inserted. Rows from before are told apart by
            // what only such a task has, `delivered_at` equal to `created_at` (a task that
            // expires later is delivered or expired at a clock past its creation).
            try db.execute(sql: """
                ALTER TABLE task ADD COLUMN expired_on_arrival INTEGER NOT NULL DEFAULT 0;
                UPDATE task SET expired_on_arrival = 1 WHERE delivery = 'expired' AND delivered_at = created_at;
                """)
        }
        migrator.registerMigration("v7-task-browsing") { db in
            // The console's task list (newest first, a page at a time) and a subject's tasks.
            // Neither column changes after the insert, so a delivery update touches neither index.
            try db.execute(sql: """
                CREATE INDEX task_by_creation ON task (created_at, id);
                CREATE INDEX task_by_subject ON task (subject, created_at, id);
                """)
        }
        migrator.registerMigration("v8-expires-before-due") { db in
            // Which task is due is decided once, by `TaskRecord.isDue(at:)` (decision 0016): the
            // half of it that needs two columns is stored, written from
            // `TaskRecord.expiresBeforeDue` when a task is inserted or released early, so the due
            // query compares columns with the clock only. Rows from before get it from the columns
            // it is made of, as `expiresBeforeDue` says: an expiry at or before `due_at`.
            try db.execute(sql: """
                ALTER TABLE task ADD COLUMN expires_before_due INTEGER NOT NULL DEFAULT 0;
                UPDATE task SET expires_before_due = 1 WHERE expires_at IS NOT NULL AND expires_at <= due_at;
                """)
        }
        return migrator
    }

    /// The tables of large rows that migration v4 rebuilds as rowid tables.
    static let rowidTables = ["entity_context", "task", "task_explanation", "suppressed_task"]
}
