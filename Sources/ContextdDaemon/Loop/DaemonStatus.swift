import Synchronization

/// What `/readyz` reports besides the store: whether start-up recovery (staged outbox files,
/// files left in `cur/`) is over. The first rule load needs no flag: a daemon whose rules do
/// not load exits 78 before it listens.
final class DaemonStatus: Sendable {
    private let isRecovered = Mutex(false)

    func recovered() { isRecovered.withLock { $0 = true } }

    var notReadyReasons: [String] {
        isRecovered.withLock { $0 } ? [] : ["starting: finishing work left by the previous run"]
    }
}
