import ContextdEngine
import ContextdEvents
import ContextdStore
import ContextdTestKit
import Foundation
import Synchronization
import Testing

/// The event log in PostgreSQL (decision 0018 §1): gap-free positions in append order, the
/// producer's text kept, the clock after each entry, `(source, id)` appended once, a file
/// appended twice adding nothing, appends from two stores at once, ticks, a partition's entries,
/// and an append whose COMMIT answer was lost.
@Suite(.postgres, .blocksAThread) struct PostgresEventLogTests {
    typealias F = PostgresFixtures

    /// An event and a text of it with the spacing a producer might use (so a re-encoding would show).
    static func logged(_ id: String, source: String = "cards", subject: String = "c-1", at time: Timestamp = F.nine)
        -> LoggedEvent
    {
        let event = Event(id: id, source: source, type: "card.tx", subject: subject, time: time, kind: .data)
        let text = #"{ "specversion":"1.0", "id":"\#(id)","source":"\#(source)", "type":"card.tx","subject":"\#(subject)","time":"\#(time.rfc3339)" }"#
        return LoggedEvent(event: event, text: text)
    }

    static func file(_ name: String, node: String = "n1", digest: String? = nil) -> LoggedFile {
        LoggedFile(node: node, spool: "cards", name: name, digest: digest ?? "sha-" + name)
    }

    @Test func appendsGiveGapFreePositionsInOrderAndKeepTheProducersText() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            #expect(try store.head() == 0)
            #expect(try store.entries(after: 0, limit: 10) == [])
            let first = [Self.logged("e1", subject: "c-1"), Self.logged("e2", subject: "c-2"), Self.logged("e3", subject: "c-1")]
            #expect(try store.append(Self.file("a.jsonl"), events: first) == LogAppend(positions: 1...3, appended: 3, duplicates: 0))
            let second = [Self.logged("e4", subject: "c-3"), Self.logged("e5", source: "crm", subject: "c-2")]
            #expect(try store.append(Self.file("b.jsonl"), events: second) == LogAppend(positions: 4...5, appended: 2, duplicates: 0))
            #expect(try store.head() == 5)

            let entries = try store.entries(after: 0, limit: 10)
            #expect(entries.map(\.position) == [1, 2, 3, 4, 5])
            #expect(entries.map(\.kind) == Array(repeating: .event, count: 5))
            #expect(entries.map(\.id) == ["e1", "e2", "e3", "e4", "e5"])
            #expect(entries.map(\.source) == ["cards", "cards", "cards", "cards", "crm"])
            #expect(entries.map(\.body) == (first + second).map(\.text))
            #expect(entries.map(\.eventKind) == Array(repeating: .data, count: 5))
            #expect(entries.map(\.partition) == ["c-1", "c-2", "c-1", "c-3", "c-2"].map(EntityPartition.of))
            #expect(entries.map(\.time) == Array(repeating: F.nine, count: 5))
            #expect(try store.entries(after: 3, limit: 1).map(\.position) == [4])
            #expect(try store.entries(after: 5, limit: 10) == [])
            #expect(try store.isLogged(node: "n1", spool: "cards", file: "b.jsonl")
                == LogAppend(positions: 4...5, appended: 2, duplicates: 0))
            #expect(try store.isLogged(node: "n1", spool: "cards", file: "c.jsonl") == nil)
            #expect(try store.isLogged(node: "n2", spool: "cards", file: "b.jsonl") == nil)
        }
    }

    @Test func clockAfterIsTheGreatestEventTimeSoFarOverOutOfOrderTimes() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let minutes: [Int64] = [60, 0, 120, 90, 30, 150]
            let events = minutes.enumerated().map { Self.logged("e\($0.offset)", at: F.nine + .minutes($0.element)) }
            _ = try store.append(Self.file("a.jsonl"), events: Array(events.prefix(3)))
            _ = try store.append(Self.file("b.jsonl"), events: Array(events.dropFirst(3)))
            let entries = try store.entries(after: 0, limit: 10)
            #expect(entries.map(\.time) == minutes.map { F.nine + .minutes($0) })
            #expect(entries.map(\.clockAfter) == [60, 60, 120, 120, 120, 150].map { F.nine + .minutes($0) })
        }
    }

    @Test func duplicatesWithinAndAcrossFilesAreCountedAndNotAppended() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            var again = Self.logged("e1", at: F.nine + .hours(5))
            again.text = #"{"id":"e1","note":"the second copy"}"#
            let a = try store.append(Self.file("a.jsonl"), events: [Self.logged("e1"), Self.logged("e2"), again])
            #expect(a == LogAppend(positions: 1...2, appended: 2, duplicates: 1))
            // e2 again, e3 new, e1 of another source is another event.
            let b = try store.append(Self.file("b.jsonl"), events: [
                Self.logged("e2"), Self.logged("e3"), Self.logged("e1", source: "crm"),
            ])
            #expect(b == LogAppend(positions: 3...4, appended: 2, duplicates: 1))
            let c = try store.append(Self.file("c.jsonl"), events: [Self.logged("e3"), Self.logged("e1")])
            #expect(c == LogAppend(positions: nil, appended: 0, duplicates: 2))
            #expect(try store.head() == 4)
            #expect(try store.isLogged(node: "n1", spool: "cards", file: "c.jsonl") == c)

            let entries = try store.entries(after: 0, limit: 10)
            #expect(entries.map { "\($0.source!)/\($0.id!)" } == ["cards/e1", "cards/e2", "cards/e3", "crm/e1"])
            #expect(entries[0].body == Self.logged("e1").text, "the first copy is the one kept")
            #expect(entries.map(\.clockAfter) == Array(repeating: F.nine, count: 4), "a duplicate moves no clock")
        }
    }

    @Test func theSameFileAppendedAgainAddsNothingAndReturnsTheFirstResult() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            let events = [Self.logged("e1"), Self.logged("e2"), Self.logged("e1")]
            let first = try store.append(Self.file("a.jsonl"), events: events)
            #expect(first == LogAppend(positions: 1...2, appended: 2, duplicates: 1))
            // The same file (node, spool, name, digest): the first result, not "two duplicates".
            #expect(try store.append(Self.file("a.jsonl"), events: events) == first)
            #expect(try store.head() == 2)
            #expect(try await database.column("SELECT count(*)::text FROM log_file") == ["1"])

            // Another content under the same name is another file: appended, and the latest record.
            let other = try store.append(Self.file("a.jsonl", digest: "sha-other"), events: [Self.logged("e1"), Self.logged("e9")])
            #expect(other == LogAppend(positions: 3...3, appended: 1, duplicates: 1))
            #expect(try store.isLogged(node: "n1", spool: "cards", file: "a.jsonl") == other)
            // By its digest, each content keeps its own record.
            #expect(try store.isLogged(Self.file("a.jsonl")) == first)
            #expect(try store.isLogged(Self.file("a.jsonl", digest: "sha-other")) == other)
            #expect(try store.isLogged(Self.file("a.jsonl", digest: "sha-never")) == nil)
            // The same bytes claimed by another node are another file too; its events are duplicates.
            let elsewhere = try store.append(Self.file("a.jsonl", node: "n2"), events: events)
            #expect(elsewhere == LogAppend(positions: nil, appended: 0, duplicates: 3))
            #expect(try await database.column("SELECT count(*)::text FROM log_file") == ["3"])
            #expect(try store.entries(after: 0, limit: 10).map(\.id) == ["e1", "e2", "e9"])
        }
    }

    /// Two stores (two nodes) append at once from two threads, half of their events the same:
    /// every event once, positions 1…N without gaps, each file's positions together.
    @Test func appendsFromTwoStoresAtOnceGiveEachEventOncePositionsWithoutGaps() async throws {
        try await F.withDatabase { database in
            let stores = [try database.store(), try database.store()]
            defer { stores.forEach { $0.close() } }
            let filesPerNode = 25, eventsPerFile = 8
            // Node n's file f: events shared-f-0…3 (both nodes have them) and own-n-f-0…3.
            @Sendable func events(node: Int, file: Int) -> [LoggedEvent] {
                (0..<eventsPerFile).map { k in
                    k % 2 == 0
                        ? Self.logged("shared-\(file)-\(k)", subject: "c-\(file % 7)", at: F.nine + .seconds(Int64(file * 10 + k)))
                        : Self.logged("own-\(node)-\(file)-\(k)", subject: "c-\(k)", at: F.nine + .seconds(Int64(k)))
                }
            }
            let results = Mutex<[(node: Int, file: Int, append: LogAppend)]>([])
            let failures = Mutex<[String]>([])
            let done = DispatchGroup()
            for node in 0..<2 {
                done.enter()
                let store = stores[node]
                let thread = Thread {
                    for file in 0..<filesPerNode {
                        do {
                            let append = try store.append(Self.file("f\(file).jsonl", node: "n\(node)"), events: events(node: node, file: file))
                            results.withLock { $0.append((node, file, append)) }
                        } catch {
                            failures.withLock { $0.append("\(error)") }
                        }
                    }
                    done.leave()
                }
                thread.start()
            }
            await withCheckedContinuation { continuation in
                done.notify(queue: .global()) { continuation.resume() }
            }
            #expect(failures.withLock { $0 } == [])
            let all = results.withLock { $0 }
            #expect(all.count == 2 * filesPerNode)

            let distinct = filesPerNode * eventsPerFile / 2 + 2 * filesPerNode * eventsPerFile / 2
            #expect(try stores[0].head() == Int64(distinct))
            let entries = try stores[1].entries(after: 0, limit: 10_000)
            #expect(entries.map(\.position) == Array(1...Int64(distinct)))
            #expect(Set(entries.map { $0.id! }).count == distinct)
            #expect(all.map(\.append.appended).reduce(0, +) == distinct)
            #expect(all.map(\.append.duplicates).reduce(0, +) == 2 * filesPerNode * eventsPerFile - distinct)
            // Each file's new events sit together, at the positions its append returned, in file order.
            for result in all {
                guard let positions = result.append.positions else { continue }
                let expected = events(node: result.node, file: result.file).map(\.event.id)
                let placed = entries.filter { positions.contains($0.position) }.map { $0.id! }
                #expect(placed.count == result.append.appended)
                #expect(placed == expected.filter(placed.contains))
            }
            // The clock after each entry is the running maximum of the times, in position order.
            var clock = Int64.min
            #expect(entries.map(\.clockAfter.milliseconds) == entries.map { clock = max(clock, $0.time.milliseconds); return clock })
            let overlaps = all.filter { $0.append.duplicates > 0 }.count
            #expect(overlaps >= filesPerNode, "every shared event was offered twice: one of each pair is a duplicate")
        }
    }

    @Test func ticksAreClockStepsBetweenEvents() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            _ = try store.append(Self.file("a.jsonl"), events: [Self.logged("e1", at: F.nine + .hours(1))])
            #expect(try store.appendTick(at: F.nine) == 2, "a tick behind the clock keeps it")
            #expect(try store.appendTick(at: F.nine + .hours(3)) == 3)
            _ = try store.append(Self.file("b.jsonl"), events: [Self.logged("e2", at: F.nine + .hours(2))])
            #expect(try store.head() == 4)
            let entries = try store.entries(after: 0, limit: 10)
            #expect(entries.map(\.kind) == [.event, .tick, .tick, .event])
            #expect(entries.map(\.time) == [1, 0, 3, 2].map { F.nine + .hours($0) })
            #expect(entries.map(\.clockAfter) == [1, 1, 3, 3].map { F.nine + .hours($0) })
            #expect(try store.headClock() == F.nine + .hours(3), "the head's clock: the last entry's clockAfter")
            #expect(entries[1] == LogEntry(
                position: 2, kind: .tick, partition: nil, source: nil, id: nil, time: F.nine, clockAfter: F.nine + .hours(1),
                body: nil))
            // A tick on an empty log sets the clock.
            try await F.withDatabase { empty in
                let fresh = try empty.store()
                defer { fresh.close() }
                #expect(try fresh.headClock() == nil)
                #expect(try fresh.appendTick(at: F.nine) == 1)
                #expect(try fresh.entries(after: 0, limit: 1).map(\.clockAfter) == [F.nine])
            }
        }
    }

    /// The decoded event's kind is kept beside its text: a text without `kind` does not say it
    /// (its spool's configured kind applied), and whoever decodes the text again needs it.
    @Test func eachEventsDecodedKindIsKeptAndATickHasNone() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            var step = Self.logged("e1", subject: "alice")
            step.event.kind = .process
            _ = try store.append(Self.file("a.jsonl"), events: [step, Self.logged("e2", subject: "alice")])
            _ = try store.appendTick(at: F.nine)
            let entries = try store.entries(after: 0, limit: 10)
            #expect(entries.map(\.eventKind) == [.process, .data, nil])
            #expect(entries[0].body == step.text, "the text stays the producer's, without the kind")
            #expect(try store.entries(partition: EntityPartition.of("alice"), after: 0, limit: 10).map(\.eventKind)
                == [.process, .data])
            #expect(try await database.column("SELECT coalesce(event_kind, 'NULL') FROM event_log ORDER BY pos")
                == ["process", "data", "NULL"])
        }
    }

    @Test func aPartitionsEntriesAreItsSubjectsEventsInPositionOrder() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            _ = try store.append(Self.file("a.jsonl"), events: [
                Self.logged("e1", subject: "alice"), Self.logged("e2", subject: "bob"), Self.logged("e3", subject: "alice"),
            ])
            _ = try store.appendTick(at: F.nine)
            _ = try store.append(Self.file("b.jsonl"), events: [Self.logged("e5", subject: "alice"), Self.logged("e6", subject: "bob")])
            let alice = EntityPartition.of("alice")
            #expect(alice != EntityPartition.of("bob"))
            #expect(try store.entries(partition: alice, after: 0, limit: 10).map(\.position) == [1, 3, 5])
            #expect(try store.entries(partition: alice, after: 1, limit: 1).map(\.position) == [3])
            #expect(try store.entries(partition: EntityPartition.of("bob"), after: 2, limit: 10).map(\.id) == ["e6"])
            #expect(try store.entries(partition: EntityPartition.of("carol"), after: 0, limit: 10) == [])
        }
    }

    // MARK: - A lost connection

    static func options() -> PostgresStore.Options {
        var options = PostgresStore.Options()
        options.firstRetryDelay = .milliseconds(20)
        options.longestRetryDelay = .milliseconds(200)
        options.warn = { _ in }
        return options
    }

    /// The COMMIT reached the server, its answer was cut: the retry finds the file's record
    /// under the head's lock and returns it; nothing is appended twice.
    @Test func anAppendCutAfterItsCOMMITReachedTheServerIsAppendedOnce() async throws {
        try await F.withDatabase { database in
            let proxy = try CuttingProxy(upstreamPort: database.server.port)
            defer { proxy.stop() }
            let store = try database.store(throughPort: proxy.port, options: Self.options())
            defer { store.close() }
            try store.migrate()
            _ = try store.append(Self.file("a.jsonl"), events: [Self.logged("e1"), Self.logged("e2")])

            proxy.arm(.afterCommitReached)
            let cut = try store.append(Self.file("b.jsonl"), events: [Self.logged("e2"), Self.logged("e3"), Self.logged("e4")])
            #expect(proxy.cuts == 1, "the connection was cut after the COMMIT")
            #expect(cut == LogAppend(positions: 3...4, appended: 2, duplicates: 1), "the first try's result, not all duplicates")
            #expect(try await database.column("SELECT count(*)::text FROM event_log") == ["4"])
            #expect(try await database.column("SELECT count(*)::text FROM log_file") == ["2"])
            #expect(try store.head() == 4)

            // The next append goes on after it.
            #expect(try store.append(Self.file("c.jsonl"), events: [Self.logged("e5")]) == LogAppend(positions: 5...5, appended: 1, duplicates: 0))
            #expect(try store.entries(after: 0, limit: 10).map(\.id) == ["e1", "e2", "e3", "e4", "e5"])
        }
    }

    /// The connection was cut before the COMMIT: nothing was durable, the retry appends it.
    @Test func anAppendCutBeforeItsCOMMITIsRedoneOnce() async throws {
        try await F.withDatabase { database in
            let proxy = try CuttingProxy(upstreamPort: database.server.port)
            defer { proxy.stop() }
            let store = try database.store(throughPort: proxy.port, options: Self.options())
            defer { store.close() }
            try store.migrate()
            proxy.arm(.beforeCommit)
            let append = try store.append(Self.file("a.jsonl"), events: [Self.logged("e1"), Self.logged("e2")])
            #expect(proxy.cuts == 1)
            #expect(append == LogAppend(positions: 1...2, appended: 2, duplicates: 0))
            #expect(try await database.column("SELECT count(*)::text FROM event_log") == ["2"])
            #expect(try await database.column("SELECT count(*)::text FROM log_file") == ["1"])
            #expect(try store.appendTick(at: F.nine) == 3)
        }
    }
    /// `cluster.log_retention`: only what every partition applied, only before the cutoff in the
    /// log's clock, never the head; the records of files all of whose events went with it.
    @Test func pruningKeepsWhatAPartitionStillNeedsTheRecentEntriesAndTheHead() async throws {
        try await F.withDatabase { database in
            let store = try database.store()
            defer { store.close() }
            _ = try store.append(Self.file("a.jsonl"), events: ["e1", "e2", "e3"].map { Self.logged($0) })
            _ = try store.append(Self.file("b.jsonl"), events: ["e4", "e5"].map { Self.logged($0, at: F.nine + .hours(2)) })
            #expect(try store.appendTick(at: F.nine + .hours(5)) == 6)
            #expect(try store.pruneLog(before: F.nine + .hours(10)) == 0, "no partition applied anything yet")
            _ = try await database.column(
                "INSERT INTO partition_lease (partition, applied_pos) VALUES (0, 4), (1, 6) RETURNING partition::text")

            #expect(try store.pruneLog(before: F.nine + .hours(1)) == 3, "positions 1 to 3, at 09:00")
            #expect(try store.firstPosition() == 4)
            #expect(try store.entries(after: 0, limit: 10).map(\.position) == [4, 5, 6])
            #expect(try await database.column("SELECT file FROM log_file ORDER BY file") == ["b.jsonl"])

            #expect(try store.pruneLog(before: F.nine + .hours(10)) == 1, "position 4 only: partition 0 applied no further")
            _ = try await database.column("UPDATE partition_lease SET applied_pos = 6 RETURNING partition::text")
            #expect(try store.pruneLog(before: F.nine + .hours(10)) == 1, "position 5; the head (6) stays")
            #expect(try store.entries(after: 0, limit: 10).map(\.position) == [6])
            #expect(try store.firstPosition() == 6)
            #expect(try store.head() == 6)
            #expect(try store.append(Self.file("c.jsonl"), events: [Self.logged("e6")]).positions == 7...7)
        }
    }
}
