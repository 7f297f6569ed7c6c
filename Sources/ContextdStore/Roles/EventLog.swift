public import ContextdEvents

/// The cluster's event log: every event any node took from its spools, once, in one order
/// (docs/decisions/0018-several-nodes.md §1, "One log, in one order").
///
/// Why a role of its own: with several nodes the engine no longer evaluates the files a node
/// happens to claim, but the log, in position order, and `replay` of the log's export is the
/// reference every run must equal. A node appends a claimed file whole, in one transaction, and
/// only then moves it to `done/`; the record of the file (``LoggedFile``) makes a second append
/// of it — after a crash between the two, or a retry whose COMMIT answer was lost — add
/// nothing. `(source, id)` is unique in the log, so the same event in two files is appended
/// once.
///
/// Only ``PostgresStore`` conforms: several nodes need a server, and a single node on SQLite
/// keeps evaluating its files directly.
public protocol EventLog: AnyObject, Sendable {
    /// Appends the events of `file` not already in the log (by `(source, id)`; the first of a
    /// pair within the file wins), each at the next position, and records the file, in one
    /// transaction. The same file again (same node, spool, name and digest) adds nothing and
    /// returns what its first append returned.
    func append(_ file: LoggedFile, events: [LoggedEvent]) throws -> LogAppend

    /// Appends a clock step: the wall-clock time `at` of an idle cluster, so that timers fire in
    /// `replay` of the export when they fired in the run. Returns its position.
    func appendTick(at time: Timestamp) throws -> Int64

    /// Up to `limit` entries after position `after` (0: from the start), in position order.
    func entries(after position: Int64, limit: Int) throws -> [LogEntry]

    /// The same entries, with the text (``LogEntry/body``) only of events whose partition
    /// (`EntityPartition.of(subject) % count`) is in `partitions`: what a node that holds those
    /// partitions needs, the others' entries being only clock steps to it.
    func entries(after position: Int64, limit: Int, bodiesOf partitions: Set<Int>, count: Int) throws -> [LogEntry]

    /// Up to `limit` events of one partition (``EntityPartition/of(_:)`` of their subject) after
    /// position `after`, in position order. Ticks belong to no partition and are not among them.
    /// For tools and tests: no index serves it (the nodes read the log in position order, and an
    /// index on `partition` would cost every appended event a write for nothing).
    func entries(partition: Int64, after position: Int64, limit: Int) throws -> [LogEntry]

    /// The last position given (0 for an empty log).
    func head() throws -> Int64

    /// Removes the entries every partition has applied (at or below the least
    /// `partition_lease.applied_pos`) whose clock is before `cutoff`, never the head, and the
    /// records of the files all of whose events went with them. Returns the entries removed.
    /// A node whose partitions stand below what is left can no longer apply the log (it says
    /// so: ``LogEvaluation``), and an export starts after the removed entries.
    func pruneLog(before cutoff: Timestamp) throws -> Int

    /// The first position the log still holds (the head + 1 when it holds none).
    func firstPosition() throws -> Int64

    /// The log's clock: the greatest time of its entries (``LogEntry/clockAfter`` of the head),
    /// nil for an empty log. What an appending node judges lateness against: the engine that
    /// applies the log has exactly this clock when it reaches the next position.
    func headClock() throws -> Timestamp?

    /// What the last append of the file `file` of `spool` by `node` did, or nil when it was
    /// never appended: what a node asks at its start about a file it finds in `cur/`.
    func isLogged(node: String, spool: String, file: String) throws -> LogAppend?

    /// What the append of exactly this file (node, spool, name and digest) did, or nil when it
    /// was never appended. A file in `cur/` under a name an earlier file used (now in `done/`)
    /// has another digest: the name alone would call it appended and lose it.
    func isLogged(_ file: LoggedFile) throws -> LogAppend?
}
