import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Wakes a node when the event log or a partition's position moved (decision 0018 §3): every
/// append, tick and fenced commit sends `NOTIFY contextd_log` with its COMMIT, and a node
/// LISTENs on a connection of its own. Without it, an idle node would see other nodes' appends
/// only at its next rescan, and every node waiting for its position would wait that long too.
///
/// A notification is a hint, never the only way: one sent while the listener reconnects is
/// lost, and the loop's rescan still comes.
extension PostgresStore {
    static let logChannel = "contextd_log"

    /// Calls `onChange` (on another thread) at each notification, until ``LogWatch/stop()``.
    /// Reconnects a second after a lost connection.
    public func watchLog(_ onChange: @escaping @Sendable () -> Void) -> LogWatch {
        let configuration = ownConnection
        let logger = logger
        let task = Task.detached {
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(
                        on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger)
                    defer { Task { try? await connection.close() } }
                    try await connection.listen(on: Self.logChannel) { notifications in
                        // Listening now: what was missed before is looked at once.
                        onChange()
                        for try await _ in notifications { onChange() }
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.debug("log watch lost its connection; listening again in a second", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        return LogWatch(task: task)
    }
}

/// A running ``PostgresStore/watchLog(_:)``.
public final class LogWatch: Sendable {
    private let task: Task<Void, Never>

    init(task: Task<Void, Never>) {
        self.task = task
    }

    public func stop() {
        task.cancel()
    }
}
