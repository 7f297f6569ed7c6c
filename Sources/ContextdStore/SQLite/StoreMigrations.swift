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
            for table in rowidTables {
                try db.execute(sql: "CREATE TABLE \(table.name)_rowid \(table.definition)")
                try db.execute(sql: """
                    INSERT INTO \(table.name)_rowid (\(table.columns)) SELECT \(table.columns) FROM \(table.name);
                    DROP TABLE \(table.name);
                    ALTER TABLE \(table.name)_rowid RENAME TO \(table.name);
                    """)
                for index in table.indexes { try db.execute(sql: index) }
            }
        }
        return migrator
    }

    /// The tables of large rows as migration v4 leaves them: their columns as the earlier
    /// migrations built them, in that order, as rowid tables (`definition` follows `CREATE TABLE name`).
    static let rowidTables: [(name: String, columns: String, definition: String, indexes: [String])] = [
        (
            "entity_context", "subject, state",
            "(subject TEXT PRIMARY KEY, state TEXT NOT NULL)", []
        ),
        (
            "task",
            """
            id, rule, subject, assignee, priority, created_at, due_at, expires_at, deferred_by, record, delivery,
            delivered_at, lease_id, lease_holder, lease_until, attempts, outcome, note, acked_at
            """,
            """
            (
                id TEXT PRIMARY KEY, rule TEXT NOT NULL, subject TEXT NOT NULL, assignee TEXT NOT NULL,
                priority REAL NOT NULL, created_at INTEGER NOT NULL,
                due_at INTEGER NOT NULL,          -- not_before, or created_at when there is none
                expires_at INTEGER, deferred_by TEXT,
                record TEXT NOT NULL,
                delivery TEXT NOT NULL DEFAULT 'pending',
                delivered_at INTEGER,
                lease_id TEXT, lease_holder TEXT, lease_until INTEGER,
                attempts INTEGER NOT NULL DEFAULT 0,
                outcome TEXT, note TEXT, acked_at INTEGER)
            """,
            [
                "CREATE INDEX task_by_delivery ON task (delivery, due_at)",
                "CREATE INDEX task_queue ON task (delivery, priority DESC, created_at, id)",
            ]
        ),
        (
            "task_explanation", "id, text",
            "(id TEXT PRIMARY KEY, text TEXT NOT NULL)", []
        ),
        (
            "suppressed_task", "id, rule, subject, assignee, policy, created_at, record",
            """
            (
                id TEXT PRIMARY KEY, rule TEXT NOT NULL, subject TEXT NOT NULL, assignee TEXT NOT NULL,
                policy TEXT NOT NULL, created_at INTEGER NOT NULL, record TEXT NOT NULL)
            """,
            ["CREATE INDEX suppressed_task_by_time ON suppressed_task (created_at)"]
        ),
    ]
}
