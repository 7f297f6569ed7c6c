@testable import ContextdDaemon
import ContextdEngine
import ContextdEvents
import ContextdStore
import Foundation
import Logging
import Synchronization

/// A temporary directory with a real SQLite store in it, for the loop's parts tested on their
/// own (``Delivery``, ``Recovery``), without a whole daemon.
final class LoopPartsDirectory {
    let url: URL
    let store: any DaemonStore

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("loop-parts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        store = try StoreLocation.sqlite(path: url.appendingPathComponent("contextd.sqlite").path).open()
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    /// The names in a directory, sorted.
    func names(in relative: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path(relative)).sorted()
    }

    static let time = Timestamp(milliseconds: 1_800_000_000_000)

    /// A task of `assignee`, created at ``time``.
    static func task(_ id: String, assignee: String = "user-7", notBefore: Timestamp? = nil, expiresAt: Timestamp? = nil)
        -> TaskRecord
    {
        TaskRecord(
            id: id, rule: "r", subject: "s-\(id)", assignee: assignee, priority: 1, what: "Call", where: "phone", how: [],
            why: "w", scores: [:], evidence: [], createdAt: time, notBefore: notBefore, expiresAt: expiresAt,
            deferredBy: notBefore == nil ? nil : "r", tags: [], data: [:])
    }
}

/// Log lines as the loop's parts write them: level, message and metadata, in order.
final class RecordedLog: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])
    var all: [Line] { lines.withLock { $0 } }

    var logger: Logger { Logger(label: "test") { _ in Handler(recorded: self) } }

    fileprivate func append(_ line: Line) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let recorded: RecordedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorded.append(Line(level: event.level, message: "\(event.message)",
                metadata: (event.metadata ?? [:]).mapValues { "\($0)" }))
        }
    }
}
