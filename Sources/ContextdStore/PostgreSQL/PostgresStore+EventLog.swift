public import ContextdEvents
import PostgresNIO

/// The event log (``EventLog``) on the writer, as the loop's other writes.
///
/// Each append is one transaction that starts by locking the `log_head` row: appends from
/// every node take turns there, so positions are given without gaps, and a later append sees
/// every event an earlier one wrote. The file's record is checked under that lock, which also
/// waits for a COMMIT the server is still applying: when the connection is lost during an
/// append and the writer tries again, a COMMIT that reached the server shows as the record,
/// and the retry returns it instead of appending again (the in-doubt case of decision 0017).
extension PostgresStore: EventLog {
    public func append(_ file: LoggedFile, events: [LoggedEvent]) throws -> LogAppend {
        try onWriter("append to the event log") { link in
            try Self.inTransaction(link) {
                let head = try Self.lockHead(link)
                if let earlier = try link.run("""
                    SELECT first_pos, last_pos, appended, duplicates FROM log_file
                    WHERE node = \(file.node) AND spool = \(file.spool) AND file = \(file.name) AND digest = \(file.digest)
                    """).rows.first
                {
                    return try Self.logAppend(earlier)
                }
                let present = try Self.presentEvents(events, link)
                var seen = present
                var fresh: [LoggedEvent] = []
                for logged in events where seen.insert(EventKey(logged.event)).inserted {
                    fresh.append(logged)
                }
                var position = head.position
                var clock = head.clock
                var positions: [Int64] = [], partitions: [Int64] = [], sources: [String] = [], ids: [String] = []
                var times: [Int64] = [], clocks: [Int64] = [], bodies: [String] = [], kinds: [String] = []
                for logged in fresh {
                    position += 1
                    let time = logged.event.time.milliseconds
                    clock = max(clock ?? time, time)
                    positions.append(position)
                    partitions.append(EntityPartition.of(logged.event.subject))
                    sources.append(logged.event.source)
                    ids.append(logged.event.id)
                    times.append(time)
                    clocks.append(clock!)
                    bodies.append(logged.text)
                    kinds.append(logged.event.kind.rawValue)
                }
                if !fresh.isEmpty {
                    try link.run("""
                        INSERT INTO event_log (pos, kind, partition, source, id, time, clock_after, body, event_kind)
                        SELECT pos, 'event', partition, source, id, time, clock_after, body, event_kind
                        FROM unnest(\(positions)::bigint[], \(partitions)::bigint[], \(sources)::text[], \(ids)::text[],
                            \(times)::bigint[], \(clocks)::bigint[], \(bodies)::text[], \(kinds)::text[])
                            AS entry (pos, partition, source, id, time, clock_after, body, event_kind)
                        """)
                    try link.run("UPDATE log_head SET pos = \(position), clock = \(clock) WHERE id = 1")
                    try link.run("NOTIFY \(unescaped: Self.logChannel)")
                }
                let result = LogAppend(
                    positions: fresh.isEmpty ? nil : (head.position + 1)...position,
                    appended: fresh.count, duplicates: events.count - fresh.count)
                try link.run("""
                    INSERT INTO log_file (node, spool, file, digest, first_pos, last_pos, appended, duplicates)
                    VALUES (\(file.node), \(file.spool), \(file.name), \(file.digest), \(result.positions?.lowerBound),
                        \(result.positions?.upperBound), \(result.appended), \(result.duplicates))
                    """)
                return result
            }
        }
    }

    public func appendTick(at time: Timestamp) throws -> Int64 {
        try onWriter("append a tick to the event log") { link in
            try Self.inTransaction(link) {
                let head = try Self.lockHead(link)
                let position = head.position + 1
                let clock = max(head.clock ?? time.milliseconds, time.milliseconds)
                try link.run("""
                    INSERT INTO event_log (pos, kind, time, clock_after)
                    VALUES (\(position), 'tick', \(time.milliseconds), \(clock))
                    """)
                try link.run("UPDATE log_head SET pos = \(position), clock = \(clock) WHERE id = 1")
                try link.run("NOTIFY \(unescaped: Self.logChannel)")
                return position
            }
        }
    }

    public func pruneLog(before cutoff: Timestamp) throws -> Int {
        try onWriter("prune the event log") { link in
            try Self.inTransaction(link) {
                let removed = try link.run("""
                    DELETE FROM event_log
                    WHERE pos <= coalesce((SELECT min(applied_pos) FROM partition_lease), 0)
                        AND pos < (SELECT pos FROM log_head WHERE id = 1)
                        AND clock_after < \(cutoff.milliseconds)
                    """).metadata.rows ?? 0
                if removed > 0 {
                    try link.run("""
                        DELETE FROM log_file WHERE last_pos < (SELECT coalesce(min(pos), 0) FROM event_log)
                        """)
                }
                return removed
            }
        }
    }

    public func firstPosition() throws -> Int64 {
        try onWriter("read the event log's first position") { link in
            let row = try link.run("""
                SELECT coalesce((SELECT min(pos) FROM event_log), (SELECT pos FROM log_head WHERE id = 1) + 1, 1) AS first
                """).rows.first
            return try row.map { try PostgresRowReader($0)["first", as: Int64.self] } ?? 1
        }
    }

    public func entries(after position: Int64, limit: Int) throws -> [LogEntry] {
        try onWriter("read the event log") { link in
            try link.run("""
                SELECT pos, kind, partition, source, id, time, clock_after, body, event_kind FROM event_log
                WHERE pos > \(position) ORDER BY pos LIMIT \(limit)
                """).rows.map(Self.logEntry)
        }
    }

    public func entries(after position: Int64, limit: Int, bodiesOf partitions: Set<Int>, count: Int) throws -> [LogEntry] {
        let owned = partitions.sorted().map(Int64.init)
        return try onWriter("read the event log") { link in
            try link.run("""
                SELECT pos, kind, partition, source, id, time, clock_after, event_kind,
                    CASE WHEN partition IS NULL OR partition % \(Int64(count)) = ANY(\(owned)::bigint[]) THEN body END AS body
                FROM event_log WHERE pos > \(position) ORDER BY pos LIMIT \(limit)
                """).rows.map(Self.logEntry)
        }
    }

    public func entries(partition: Int64, after position: Int64, limit: Int) throws -> [LogEntry] {
        try onWriter("read the event log") { link in
            try link.run("""
                SELECT pos, kind, partition, source, id, time, clock_after, body, event_kind FROM event_log
                WHERE partition = \(partition) AND pos > \(position) ORDER BY pos LIMIT \(limit)
                """).rows.map(Self.logEntry)
        }
    }

    public func head() throws -> Int64 {
        try onWriter("read the event log's head") { link in
            guard let row = try link.run("SELECT pos FROM log_head WHERE id = 1").rows.first else {
                throw PostgresStoreError(operation: "read the event log's head", message: "log_head has no row; run `contextd migrate`")
            }
            return try PostgresRowReader(row)["pos", as: Int64.self]
        }
    }

    public func headClock() throws -> Timestamp? {
        try onWriter("read the event log's clock") { link in
            guard let row = try link.run("SELECT clock FROM log_head WHERE id = 1").rows.first else {
                throw PostgresStoreError(operation: "read the event log's clock", message: "log_head has no row; run `contextd migrate`")
            }
            let clock: Int64? = try PostgresRowReader(row)["clock"]
            return clock.map(Timestamp.init(milliseconds:))
        }
    }

    public func isLogged(_ file: LoggedFile) throws -> LogAppend? {
        try onWriter("read the event log's files") { link in
            try link.run("""
                SELECT first_pos, last_pos, appended, duplicates FROM log_file
                WHERE node = \(file.node) AND spool = \(file.spool) AND file = \(file.name) AND digest = \(file.digest)
                ORDER BY seq DESC LIMIT 1
                """).rows.first.map(Self.logAppend)
        }
    }

    public func isLogged(node: String, spool: String, file: String) throws -> LogAppend? {
        try onWriter("read the event log's files") { link in
            try link.run("""
                SELECT first_pos, last_pos, appended, duplicates FROM log_file
                WHERE node = \(node) AND spool = \(spool) AND file = \(file) ORDER BY seq DESC LIMIT 1
                """).rows.first.map(Self.logAppend)
        }
    }

    // MARK: - Parts

    /// `(source, id)`: an event's identity in the log.
    private struct EventKey: Hashable {
        var source: String
        var id: String
        init(_ event: Event) { (source, id) = (event.source, event.id) }
        init(source: String, id: String) { (self.source, self.id) = (source, id) }
    }

    /// Runs `body` between BEGIN and COMMIT on `link`; ROLLBACK when it throws (a lost
    /// connection has nothing to roll back: the server ends the transaction itself).
    static func inTransaction<T>(_ link: PostgresConnectionLink, _ body: () throws -> T) throws -> T {
        try link.run("BEGIN")
        do {
            let value = try body()
            try link.run("COMMIT")
            return value
        } catch {
            if !PostgresProblem.isConnectionLoss(error) { _ = try? link.run("ROLLBACK") }
            throw error
        }
    }

    /// The head under its row lock: the last position and its clock.
    static func lockHead(_ link: PostgresConnectionLink) throws -> (position: Int64, clock: Int64?) {
        guard let row = try link.run("SELECT pos, clock FROM log_head WHERE id = 1 FOR UPDATE").rows.first else {
            throw PostgresStoreError(operation: "append to the event log", message: "log_head has no row; run `contextd migrate`")
        }
        let reader = PostgresRowReader(row)
        return (try reader["pos"], try reader["clock"])
    }

    /// Which of `events` the log already has.
    private static func presentEvents(_ events: [LoggedEvent], _ link: PostgresConnectionLink) throws -> Set<EventKey> {
        guard !events.isEmpty else { return [] }
        let rows = try link.run("""
            SELECT source, id FROM event_log
            WHERE (source, id) IN (SELECT * FROM unnest(\(events.map(\.event.source))::text[], \(events.map(\.event.id))::text[]))
            """).rows
        return Set(try rows.map { row in
            let reader = PostgresRowReader(row)
            return EventKey(source: try reader["source"], id: try reader["id"])
        })
    }

    private static func logAppend(_ row: PostgresRow) throws -> LogAppend {
        let reader = PostgresRowReader(row)
        let first: Int64? = try reader["first_pos"], last: Int64? = try reader["last_pos"]
        return LogAppend(
            positions: first.flatMap { first in last.map { first...$0 } },
            appended: Int(try reader["appended", as: Int32.self]), duplicates: Int(try reader["duplicates", as: Int32.self]))
    }

    private static func logEntry(_ row: PostgresRow) throws -> LogEntry {
        let reader = PostgresRowReader(row)
        let kindText: String = try reader["kind"]
        guard let kind = LogEntry.Kind(rawValue: kindText) else {
            throw PostgresStoreError(operation: "read the event log", message: """
                an entry of kind '\(kindText)' is unknown to this contextd; run the version that wrote it
                """)
        }
        let eventKindText: String? = try reader["event_kind"]
        let eventKind = try eventKindText.map { text in
            guard let eventKind = EventKind(rawValue: text) else {
                throw PostgresStoreError(operation: "read the event log", message: """
                    an event of kind '\(text)' is unknown to this contextd; run the version that wrote it
                    """)
            }
            return eventKind
        }
        return LogEntry(
            position: try reader["pos"], kind: kind, partition: try reader["partition"], source: try reader["source"],
            id: try reader["id"], time: Timestamp(milliseconds: try reader["time"]),
            clockAfter: Timestamp(milliseconds: try reader["clock_after"]), body: try reader["body"],
            eventKind: eventKind)
    }
}
