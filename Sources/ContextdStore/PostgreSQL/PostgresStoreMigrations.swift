import PostgresNIO

/// The PostgreSQL schema, as named migrations applied in order, each in one transaction with
/// the row that records it in `contextd_migration`: a second ``PostgresStore/migrate()`` is a
/// no-op, and a database that a newer contextd migrated (a name this one does not know) is
/// refused rather than written in a shape it does not understand.
///
/// Laid out for what comes after one loop: every per-entity row carries `partition`
/// (``EntityPartition``), and an entity's context is one row per declaration, so a commit
/// that changed one declaration can later write only that row.
enum PostgresStoreMigrations {
    struct Migration {
        var name: String
        var statements: [String]
    }

    static let all: [Migration] = [
        Migration(name: "pg1-schema", statements: [
            """
            CREATE TABLE engine_meta (
                id integer PRIMARY KEY CHECK (id = 1),
                clock bigint,
                commit_seq bigint NOT NULL DEFAULT 0,      -- the last group commit's number
                not_staged text[] NOT NULL DEFAULT '{}'     -- its receipt, for an in-doubt commit
            )
            """,
            "INSERT INTO engine_meta (id) VALUES (1)",
            """
            CREATE TABLE entity_context (
                subject text NOT NULL, declaration text NOT NULL, partition bigint NOT NULL, state text NOT NULL,
                PRIMARY KEY (subject, declaration))
            """,
            """
            CREATE TABLE timer (
                rule text NOT NULL, subject text NOT NULL, key text NOT NULL, at bigint NOT NULL,
                partition bigint NOT NULL,
                PRIMARY KEY (rule, subject, key, at))
            """,
            "CREATE TABLE seen_event (source text NOT NULL, id text NOT NULL, time bigint NOT NULL, PRIMARY KEY (source, id))",
            "CREATE INDEX seen_event_by_time ON seen_event (time)",
            "CREATE TABLE dedup_key (key text PRIMARY KEY, time bigint NOT NULL)",
            "CREATE TABLE limit_key (key text PRIMARY KEY, times text NOT NULL)",
            """
            CREATE TABLE task (
                id text PRIMARY KEY, rule text NOT NULL, subject text NOT NULL, assignee text NOT NULL,
                partition bigint NOT NULL,
                priority double precision NOT NULL, created_at bigint NOT NULL,
                due_at bigint NOT NULL,                    -- not_before, or created_at when there is none
                expires_at bigint,
                expires_before_due boolean NOT NULL,       -- TaskRecord.expiresBeforeDue: never due
                deferred_by text, record text NOT NULL,
                delivery text NOT NULL DEFAULT 'pending', delivered_at bigint,
                lease_id text, lease_holder text, lease_until bigint, attempts integer NOT NULL DEFAULT 0,
                outcome text, note text, acked_at bigint,
                expired_on_arrival boolean NOT NULL DEFAULT false)
            """,
            "CREATE INDEX task_by_delivery ON task (delivery, due_at)",
            "CREATE INDEX task_queue ON task (delivery, priority DESC, created_at, id)",
            "CREATE INDEX task_by_creation ON task (created_at, id)",
            "CREATE INDEX task_by_subject ON task (subject, created_at, id)",
            "CREATE TABLE task_explanation (id text PRIMARY KEY, text text NOT NULL)",
            """
            CREATE TABLE task_outcome (
                seq bigserial PRIMARY KEY, task text NOT NULL, rule text NOT NULL, subject text NOT NULL,
                assignee text NOT NULL, partition bigint NOT NULL, outcome text NOT NULL, note text,
                time bigint NOT NULL)
            """,
            """
            CREATE TABLE suppressed_task (
                id text PRIMARY KEY, rule text NOT NULL, subject text NOT NULL, assignee text NOT NULL,
                partition bigint NOT NULL, policy text NOT NULL, created_at bigint NOT NULL, record text NOT NULL)
            """,
            "CREATE INDEX suppressed_task_by_time ON suppressed_task (created_at)",
            """
            CREATE TABLE file_progress (
                spool text NOT NULL, file text NOT NULL, items integer NOT NULL, finished boolean NOT NULL,
                PRIMARY KEY (spool, file))
            """,
            """
            CREATE TABLE file_reject (
                seq bigserial PRIMARY KEY, spool text NOT NULL, file text NOT NULL, line integer NOT NULL,
                error text NOT NULL, raw text NOT NULL, late boolean NOT NULL)
            """,
            "CREATE INDEX file_reject_by_file ON file_reject (spool, file, seq)",
        ]),
        // The cluster's event log (decision 0018 §1, ``EventLog``): entries in one order, the
        // head row every append locks, and the record of each appended file.
        Migration(name: "pg2-event-log", statements: [
            """
            CREATE TABLE event_log (
                pos bigint PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('event', 'tick')),
                partition bigint,                          -- EntityPartition of the subject; NULL for a tick
                source text, id text,                      -- NULL for a tick
                time bigint NOT NULL,
                clock_after bigint NOT NULL,               -- greatest time of the log up to this entry
                body text,                                 -- the producer's text of the event
                event_kind text                            -- the decoded event's kind; NULL for a tick
                    CHECK (event_kind IN ('data', 'process')),
                CHECK ((kind = 'event') = (event_kind IS NOT NULL)))
            """,
            "CREATE UNIQUE INDEX event_log_by_event ON event_log (source, id)",
            """
            CREATE TABLE log_head (
                id integer PRIMARY KEY CHECK (id = 1),
                pos bigint NOT NULL DEFAULT 0,             -- the last position given
                clock bigint)                              -- its clock_after
            """,
            "INSERT INTO log_head (id) VALUES (1)",
            """
            CREATE TABLE log_file (
                node text NOT NULL, spool text NOT NULL, file text NOT NULL, digest text NOT NULL,
                seq bigserial NOT NULL,
                first_pos bigint, last_pos bigint,         -- NULL when none of its events was new
                appended integer NOT NULL, duplicates integer NOT NULL,
                logged_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (node, spool, file, digest))
            """,
        ]),
        // Several nodes on one store (decision 0018 §2): the cluster's partition count, each
        // node's row, and one lease per partition. Times are the server's (`now()`), never a
        // node's. `task.staged_by` tells which node's outbox holds a staged task's file.
        //
        // No index serves `partition % n = ANY(…)` on `task` and `timer`: an expression index
        // needs `n`, which only `join` fixes. The filtered reads (a partition's snapshot, a
        // node's due tasks) go through `task_by_delivery` first and filter the rest.
        Migration(name: "pg3-cluster", statements: [
            """
            CREATE TABLE cluster (
                id integer PRIMARY KEY CHECK (id = 1),
                partitions integer NOT NULL CHECK (partitions > 0),
                fingerprint text,                          -- the rules the cluster runs (decision 0018 §4)
                created_at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE TABLE node (
                id text PRIMARY KEY,
                instance text NOT NULL,                    -- the random id kept in the node's data directory
                incarnation bigint NOT NULL,               -- + 1 at each join of the id
                started_at timestamptz NOT NULL,
                heartbeat_at timestamptz NOT NULL,
                left_at timestamptz,                       -- set by a graceful leave
                lease_ms bigint NOT NULL,
                fingerprint text NOT NULL,
                drained boolean NOT NULL DEFAULT false,
                position bigint NOT NULL DEFAULT 0,
                next_deadline bigint,
                commit_seq bigint NOT NULL DEFAULT 0,      -- the node's last fenced commit's number
                not_staged text[] NOT NULL DEFAULT '{}')   -- its receipt, for an in-doubt commit
            """,
            """
            CREATE TABLE partition_lease (
                partition integer PRIMARY KEY,
                owner text, owner_incarnation bigint,      -- NULL when released or never owned
                epoch bigint NOT NULL DEFAULT 0,           -- + 1 at every takeover
                expires_at timestamptz,
                applied_pos bigint NOT NULL DEFAULT 0,     -- the last log position committed for it
                clock bigint)                              -- the log's clock there
            """,
            "ALTER TABLE task ADD COLUMN staged_by text",
        ]),
        // The watermark (decision 0018 §3): each partition's earliest timer as of its last
        // commit, so that a node about to apply an event knows which other partitions fire a
        // timer at that entry (before the event, as `replay` does) and waits for them.
        Migration(name: "pg4-watermark", statements: [
            "ALTER TABLE partition_lease ADD COLUMN next_timer bigint",
        ]),
        // One rule set at a time (decision 0018 §4): every rule set a node loaded, as its files,
        // so that any node can evaluate any position with the rules in force there; the
        // positions the cluster's rules changed at (from_pos: the rules in force for the entries
        // after it); and a `rules` entry in the log at each change, whose body is the
        // fingerprint. A cluster created before this records its rules from position 0.
        Migration(name: "pg5-rule-switch", statements: [
            """
            CREATE TABLE rule_set (
                fingerprint text PRIMARY KEY,
                files text NOT NULL,                       -- JSON: [{"name": …, "text": …}]
                stored_at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE TABLE cluster_rules (
                from_pos bigint PRIMARY KEY,
                fingerprint text NOT NULL)
            """,
            "INSERT INTO cluster_rules (from_pos, fingerprint) SELECT 0, fingerprint FROM cluster WHERE fingerprint IS NOT NULL",
            "ALTER TABLE event_log DROP CONSTRAINT event_log_kind_check",
            "ALTER TABLE event_log ADD CONSTRAINT event_log_kind_check CHECK (kind IN ('event', 'tick', 'rules'))",
        ]),
    ]

    /// Applies the migrations `connection` has not recorded yet; returns their names.
    ///
    /// Takes a transaction-scoped advisory lock first, so two processes migrating at once
    /// apply each step once.
    ///
    /// With the schema current it needs no DDL right: the daemon runs this at every start, also
    /// where its role may only read and write rows (docs/operations.md, "Roles and grants"). So
    /// the record's table is created only when it is missing: PostgreSQL checks the schema's
    /// CREATE privilege for `CREATE TABLE IF NOT EXISTS` even when the table exists.
    static func migrate(_ link: PostgresConnectionLink) throws -> [String] {
        let recorded = try link.run("SELECT to_regclass('contextd_migration') IS NOT NULL AS present").rows.first
            .map { try PostgresRowReader($0)["present", as: Bool.self] } ?? false
        if !recorded {
            // Under the migration's lock: nodes of a cluster started together on a new database
            // would otherwise race here (IF NOT EXISTS is no guard against a concurrent CREATE).
            try link.run("BEGIN")
            do {
                try link.run("SELECT pg_advisory_xact_lock(7201900)")
                try link.run("""
                    CREATE TABLE IF NOT EXISTS contextd_migration (
                        name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                    """)
                try link.run("COMMIT")
            } catch {
                _ = try? link.run("ROLLBACK")
                throw error
            }
        }
        try link.run("BEGIN")
        do {
            try link.run("SELECT pg_advisory_xact_lock(7201900)")
            let applied = try Set(link.run("SELECT name FROM contextd_migration").rows.map {
                try PostgresRowReader($0)["name", as: String.self]
            })
            let known = Set(all.map(\.name))
            let unknown = applied.subtracting(known).sorted()
            guard unknown.isEmpty else {
                throw PostgresStoreError(operation: "migrate", message: """
                    the database was migrated by a newer contextd (migrations \(unknown.joined(separator: ", ")) \
                    are unknown to this one); run that version, or point `store:` at another database
                    """)
            }
            var done: [String] = []
            for migration in all where !applied.contains(migration.name) {
                for statement in migration.statements { try link.run(PostgresQuery(unsafeSQL: statement)) }
                try link.run("INSERT INTO contextd_migration (name) VALUES (\(migration.name))")
                done.append(migration.name)
            }
            try link.run("COMMIT")
            return done
        } catch {
            _ = try? link.run("ROLLBACK")
            throw error
        }
    }
}
