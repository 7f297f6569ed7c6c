@testable import ContextdDaemon
import ContextdEngine
import ContextdEvents
import ContextdSpool
import ContextdStore
import ContextdTestKit
import Foundation
import Testing

/// A spool in a directory of its own beside a PostgreSQL store on a database of its own, with
/// its event log: what the log's ingest and evaluation tests start from.
class LoggedSpool {
    let directory: URL
    let spool: Spool
    let store: any DaemonStore
    let log: any EventLog
    let database: PostgresTestDatabase

    /// `name` is the spool's; `prefix` names the temporary directory.
    init(spool name: String, prefix: String) async throws {
        PostgresTestServer.noteRun()
        database = try await PostgresTestDatabase.create()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        spool = try Spool(name: name, directory: directory.path, onDone: .move)
        store = try StoreLocation.postgresql(try PostgresSettings(address: PostgresAddress(parsing: database.url))).open()
        log = try #require(store as? any EventLog)
    }

    func close() async throws {
        store.close()
        try? FileManager.default.removeItem(at: directory)
        try await database.drop()
    }

    /// Writes `text` as `new/<name>` and claims it into `cur/`.
    func claim(_ name: String, _ text: String) throws -> ClaimedFile {
        try text.write(toFile: directory.appendingPathComponent("new/" + name).path, atomically: false, encoding: .utf8)
        guard case .claimed(let file) = try spool.claim(name) else { throw Unclaimed(name: name) }
        return file
    }

    /// Ingests as the loop does: rejects staged in the spool's tmp/ before the append.
    func ingest(
        _ file: ClaimedFile, with ingest: LogIngest, spool name: String, kind: EventKind = .data, wallClock: Timestamp
    ) throws -> LogIngest.IngestedFile {
        try ingest.ingest(file, spool: name, kind: kind, wallClock: wallClock) { rejects in
            try spool.writeRejects(file.name, rejects.filter { !$0.late }.map(\.rejection),
                late: rejects.filter(\.late).map(\.rejection))
        }
    }

    struct Unclaimed: Error { var name: String }
}

extension LogEvaluation {
    /// Applies every entry after `position`, `sliceSize` at a time; one slice when the log ends
    /// within it: what a test compares with replay.
    func evaluateAll(_ engine: Engine, after position: Int64, sliceSize: Int) throws -> Slice {
        var total = Slice(lastPosition: position)
        while true {
            let slice = try evaluate(engine, after: total.lastPosition, limit: sliceSize)
            total.changes += slice.changes
            total.entries += slice.entries
            total.ticks += slice.ticks
            total.lastPosition = slice.lastPosition
            if slice.entries < sliceSize { return total }
        }
    }
}
