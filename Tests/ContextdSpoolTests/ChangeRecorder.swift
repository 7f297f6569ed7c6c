import ContextdSpool
import Synchronization

/// Collects what a ``DirectoryWatcher`` yields, so a test can wait (boundedly) for a change that
/// inotify delivers asynchronously.
final class ChangeRecorder: Sendable {
    private struct Seen {
        var changes: [String] = []
        var ended = false
    }

    /// Shared with the consuming task, which cannot capture `self` before `init` ends.
    private final class Log: Sendable {
        let seen = Mutex(Seen())
    }

    private let log = Log()
    private let consumer: Task<Void, Never>

    init(_ watcher: DirectoryWatcher) {
        let log = log
        consumer = Task {
            for await directory in watcher.changes {
                log.seen.withLock { $0.changes.append(directory) }
            }
            log.seen.withLock { $0.ended = true }
        }
    }

    deinit { consumer.cancel() }

    var changes: [String] { log.seen.withLock { $0.changes } }
    var ended: Bool { log.seen.withLock { $0.ended } }

    func clear() { log.seen.withLock { $0.changes = [] } }

    /// Whether `condition` came true within `timeout`, looking every 10 ms.
    func wait(upTo timeout: Duration = .seconds(5), until condition: (ChangeRecorder) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
    }
}
