import ContextdTestKit
import Testing

/// Which store a ``DaemonSandbox``'s daemon keeps its state in: the process tests that check the
/// daemon's promises (the outbox equals `replay`, none twice) run on each.
enum SandboxBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    /// The embedded default: `<data_dir>/contextd.sqlite`.
    case sqlite
    /// A database of its own on the server of `CONTEXTD_TEST_POSTGRES_URL` (``SandboxDatabase``).
    case postgresql

    /// The backends to run on: SQLite always, PostgreSQL when a server is given (or required,
    /// then its case fails without one rather than vanishing).
    static var all: [SandboxBackend] { [.sqlite] + (PostgresTestServer.isEnabled ? [.postgresql] : []) }

    var testDescription: String { rawValue }
}
