public import ContextdEvents
public import ContextdStore

/// Everything `contextd run` needs to know about where it reads, writes and listens, and how
/// hard it works: the parsed and checked form of `--config FILE` (SPEC §4, §5).
///
/// All paths are absolute and normalised, so nothing later depends on the working directory
/// the daemon happened to be started in. A value only exists once the whole file was found
/// valid (`load(path:)`); the embedded default (`embeddedDefault(workingDirectory:)`) is
/// what runs when no file is given.
public struct DaemonConfiguration: Sendable, Equatable {
    /// Rule directories or files, loaded together as one rule set.
    public var rules: [String]
    /// The daemon's state; the SQLite database lives inside it.
    public var dataDirectory: String
    /// The input spools, each a Maildir-style directory (SPEC §1).
    public var inputs: [Input]
    /// The file outbox: tasks appear in `<outbox>/new/` (SPEC §3).
    public var outbox: String
    /// The HTTP API: listener, lease rules, tokens (SPEC §3).
    public var http: HTTPSettings
    /// Longest accepted line of a `.jsonl` spool file; longer lines are rejected.
    public var maxLineBytes: Int
    /// How long `(source, id)` is remembered to skip duplicate events.
    public var dedupRetention: TimeSpan
    /// How far ahead of the wall clock an event's time may be; a later event is a bad line, so
    /// that the clock never passes the wall clock plus this (SPEC §8).
    public var maxFutureSkew: TimeSpan
    /// How far behind the engine's clock an event may be and still be applied in its own time;
    /// an older one is set aside in `rejected/<file>.late.jsonl` (SPEC §8). At most
    /// `dedupRetention`.
    public var allowedLateness: TimeSpan
    /// At most this many events commit in one transaction, so a large file is applied in
    /// bounded slices rather than in one transaction of unbounded size.
    public var batchEvents: Int
    /// About how many entities' context stay in memory between commits; the others are read
    /// back from the store when an event needs them. Bounds the daemon's memory as entities
    /// grow (docs/decisions/0007-context-working-set.md).
    public var contextCache: Int
    /// Period of the backstop rescan of the spools, in case a file notification was missed.
    public var rescanInterval: TimeSpan
    /// Reload the rules when files under the rule paths change (SIGHUP always reloads).
    public var watchRules: Bool
    /// Quiet time after the last change before a watched reload, so an editor's burst of
    /// writes reloads once.
    public var reloadDebounce: TimeSpan
    /// Whether a rule set without any rule may start the daemon or replace the rules in a
    /// reload (`reload.allow_empty`). Off: an emptied rules directory would have every event
    /// consumed for nothing, so it is refused like a rule set with errors.
    public var allowEmptyRules = false
    public var logFormat: LogFormat
    /// One of `DaemonConfiguration.logLevels`: swift-log's level names.
    public var logLevel: String

    /// The PostgreSQL store (`store: postgresql://…` and the `store_…` keys); nil: the SQLite
    /// store in `data_dir` (`database`).
    public var postgres: PostgresSettings?

    /// The `cluster:` section: nil runs alone (files applied as they are claimed); set, the
    /// daemon is a node that appends its files to the store's event log and evaluates the log.
    public var cluster: ClusterSettings?

    /// The SQLite database: `<data_dir>/contextd.sqlite`.
    public var database: String {
        dataDirectory.hasSuffix("/") ? dataDirectory + "contextd.sqlite" : dataDirectory + "/contextd.sqlite"
    }

    /// Where the daemon's state is kept: the PostgreSQL database of `store:` when there is one,
    /// else the SQLite store ``database`` in `data_dir`.
    /// What the daemon and `contextd explain` open; nothing else needs to know which backend.
    public var store: StoreLocation {
        get { configuredStore ?? postgres.map(StoreLocation.postgresql) ?? .sqlite(path: database) }
        set { configuredStore = newValue }
    }

    /// The store set explicitly; nil follows `data_dir`.
    var configuredStore: StoreLocation? = nil

    /// The log levels `log.level` accepts, least severe first (swift-log's `Logger.Level` names).
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// One input spool.
    public struct Input: Sendable, Hashable {
        /// Unique, `[a-z0-9_-]+`: used in logs (`spool.name`) and metric dimensions.
        public var name: String
        /// The spool directory (absolute).
        public var path: String
        /// The kind given to events of this input that carry no `kind` attribute.
        public var kind: EventKind
        /// What happens to a file once its events are committed.
        public var onDone: OnDone

        public init(name: String, path: String, kind: EventKind = .data, onDone: OnDone = .move) {
            self.name = name
            self.path = path
            self.kind = kind
            self.onDone = onDone
        }
    }
}
