import ContextdTestKit
import Testing

/// Which store a ``DaemonSandbox``'s daemon keeps its state in: the process tests that check the
/// daemon's promises (the outbox equals `replay`, none twice) run on each.
enum SandboxBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    /// The embedded default: `<data_dir>/contextd.sqlite`.
    case sqlite
    /// A database of its own on the server of `CONTEXTD_TEST_POSTGRES_URL` (``SandboxDatabase``).
    case postgresql
    /// A node on the event log (`cluster:`) of a database of its own: files appended to the
    /// log, the engine fed the log (docs/decisions/0018-several-nodes.md §1).
    case eventLog = "postgresql-event-log"

    /// Whether the store is a PostgreSQL database (``SandboxDatabase``).
    var isPostgres: Bool { self != .sqlite }

    /// The backends to run on: SQLite always, PostgreSQL when a server is given (or required,
    /// then its case fails without one rather than vanishing).
    static var all: [SandboxBackend] { [.sqlite] + (PostgresTestServer.isEnabled ? [.postgresql, .eventLog] : []) }

    var testDescription: String { rawValue }
}
