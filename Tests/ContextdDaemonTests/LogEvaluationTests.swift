@testable import ContextdDaemon
import ContextdEngine
import ContextdEvents
import ContextdReplay
import ContextdRules
import ContextdSpool
import ContextdStore
import ContextdTestKit
import Foundation
import Testing

/// The evaluation stage on the event log (decision 0018 §1), against `replay`: files of the
/// stock mix go through a real spool and ``LogIngest`` into a real PostgreSQL log, with clock
/// steps (ticks) between some of them; the log evaluated into a fresh engine, in slices of
/// 1, 7 and all entries, gives the tasks `replay` gives for the same files with the same clock
/// steps, field by field, none twice; an engine restored from a snapshot committed in the
/// middle goes on to the same end; a body that no longer decodes stops evaluation at its
/// position with the engine untouched.
@Suite(.postgres, .blocksAThread) struct LogEvaluationTests {
    static let ruleSet = try! RuleLoader.load(paths: [StockFiles.rules]).get()
    static let start = Timestamp(rfc3339: "2026-11-20T08:00:00Z")!
    static let limits = LogIngest.Limits(maxLineBytes: 1 << 20, maxFutureSkew: .hours(1), allowedLateness: .days(7))

    /// One step of a run: a file dropped and ingested, or a clock step of an idle cluster.
    enum Step {
        case file(name: String, text: String)
        case tick(Timestamp)
    }

    /// A spool in a directory of its own and a PostgreSQL store on a database of its own, fed
    /// `steps`; remembers the files as ingested (in `done/`) for replay.
    final class LoggedRun: LoggedSpool {
        init() async throws { try await super.init(spool: "mix", prefix: "log-evaluation") }

        /// Ingests each file as the loop will (rejects staged, append, then `done/`) and appends
        /// each tick; the wall clock is far ahead, so no event is in the future.
        /// `kind` is the spool's configured kind (`EventDecoder(defaultKind:)`).
        func feed(_ steps: [Step], kind: EventKind = .data) throws {
            let ingest = LogIngest(log: log, node: "n1", limits: LogEvaluationTests.limits)
            for step in steps {
                switch step {
                case .file(let name, let text):
                    let file = try claim(name, text)
                    _ = try self.ingest(file, with: ingest, spool: "mix", kind: kind, wallClock: LogEvaluationTests.start + .days(365))
                    try spool.complete(file.name)
                case .tick(let time):
                    _ = try log.appendTick(at: time)
                }
            }
        }

        /// `replay` of the same files (as the spool completed them) with the same clock steps.
        func replay(_ steps: [Step]) throws -> Replay {
            let replay = Replay(ruleSet: LogEvaluationTests.ruleSet, allowedLateness: LogEvaluationTests.limits.allowedLateness)
            for step in steps {
                switch step {
                case .file(let name, _):
                    replay.apply(file: try #require(EventFileReader(path: directory.appendingPathComponent("done/" + name).path)))
                case .tick(let time):
                    replay.advance(to: time)
                }
            }
            return replay
        }
    }


    /// Tasks in their final form, as ``Replay`` keeps them: in creation order, a release
    /// replacing its task; `twice` counts a creation of an id already held.
    struct TaskList {
        var tasks: [TaskRecord] = []
        var suppressed: [TaskRecord] = []
        var expiredOnArrival: Set<String> = []
        var twice = 0
        var releases = 0
        private var index: [String: Int] = [:]

        mutating func record(_ changes: [TaskChange]) {
            for change in changes {
                switch change {
                case .created(let task), .expiredOnArrival(let task):
                    if index[task.id] != nil { twice += 1 }
                    index[task.id] = tasks.count
                    tasks.append(task)
                    if case .expiredOnArrival = change { expiredOnArrival.insert(task.id) }
                case .released(let task):
                    releases += 1
                    if let position = index[task.id] { tasks[position] = task }
                case .suppressed(let task, _):
                    suppressed.append(task)
                }
            }
        }
    }

    /// The stock mix (fraud pairs, balances and rent, lead visits, mobile and desktop sessions,
    /// resent events) cut into files of random sizes, with a clock step after some files and
    /// the last step far enough to fire every rent timer; then one file again under a new
    /// name, now beyond the allowed lateness (set aside by both).
    static func steps(seed: UInt64) -> [Step] {
        var random = SplitMix(state: seed)
        var lines = mix(customers: 48, using: &random)
        lines += stride(from: 0, to: lines.count, by: 23).map { lines[$0] }
        var steps: [Step] = []
        var clock = start
        var rest = lines[...]
        var first = ""
        while !rest.isEmpty {
            let take = Int(1 + random.next() % 25)
            let text = rest.prefix(take).joined(separator: "\n") + "\n"
            if first.isEmpty { first = text }
            rest = rest.dropFirst(take)
            steps.append(.file(name: String(format: "%04d.jsonl", steps.count), text: text))
            if random.next() % 4 == 0 {
                clock = clock + .minutes(Int64(30 + random.next() % 600))
                steps.append(.tick(clock))
            }
        }
        steps.append(.tick(start + .days(12)))
        steps.append(.file(name: "again.jsonl", text: first))
        return steps
    }

    /// Events of the stock rules' kinds for `customers` customers over about two hours, in
    /// time order (after Tests/ContextdDaemonProcessTests/EventMix.swift).
    static func mix(customers: Int, using random: inout SplitMix) -> [String] {
        var events: [(time: Timestamp, line: String)] = []
        func add(_ id: String, _ source: String, _ type: String, _ subject: String, _ time: Timestamp, _ data: String) {
            events.append((time, """
                {"specversion":"1.0","id":"\(id)","source":"\(source)","type":"\(type)","subject":"\(subject)",\
                "time":"\(time.rfc3339)","data":\(data)}
                """))
        }
        for c in 0..<customers {
            let subject = "cust-\(c)"
            let t = start + .seconds(Int64(c) * 97 + Int64(random.next() % 600))
            add("ci-\(c)", "mobile", "location.checkin", subject, t, #"{"lat":40.7128,"lon":-74.006,"city":"New York"}"#)
            let far = c % 3 == 0
            add("tx-\(c)", "cards", "card.transaction", subject, t + .seconds(far ? 2400 : 7200),
                far ? #"{"amount":120.5,"currency":"EUR","merchant":"Cafe","lat":48.8566,"lon":2.3522,"city":"Paris","card_present":true}"#
                    : #"{"amount":12.0,"currency":"USD","merchant":"Deli","lat":40.73,"lon":-73.99,"city":"New York","card_present":true}"#)
            let due = String((start + .days(Int64(2 + c % 6))).rfc3339.prefix(10))
            add("ps-\(c)", "payments", "payment.scheduled", subject, t + .seconds(600),
                #"{"payment_id":"rent-\#(c)","payee":"Landlord","category":"rent","amount":1200,"currency":"EUR","due":"\#(due)"}"#)
            add("bal-\(c)", "core-banking", "account.balance", subject, t + .seconds(900),
                #"{"balance":\#(c % 2 == 0 ? 300 : 5000),"currency":"EUR"}"#)
            let owner = "user-\(c % 7)"
            // A mobile session just before the visit defers its task; a later desktop session of
            // the same user (another customer's) releases it early.
            let mobile = c % 4 == 0
            add("ss-\(c)", "crm", "session.started", owner, t + .seconds(mobile ? 1100 : 100),
                #"{"device":"phone","form_factor":"\#(mobile ? "mobile" : "desktop")"}"#)
            add("lv-\(c)", "web", "lead.visit", "lead-\(c % 40)", t + .seconds(1200),
                #"{"page":"\#(c % 2 == 0 ? "/pricing" : "/blog")","owner":"\#(owner)"}"#)
        }
        return events.sorted { $0.time < $1.time }.map(\.line)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func theLogEvaluatedInSlicesOfOneSevenAndAllGivesReplaysTasksFieldByFieldNoneTwice(seed: UInt64) async throws {
        let run = try await LoggedRun()
        do {
            let steps = Self.steps(seed: seed)
            try run.feed(steps)
            let reference = try run.replay(steps)
            let head = try run.log.head()
            let ticks = steps.filter { if case .tick = $0 { true } else { false } }.count

            // The mix reaches every stock rule's kind of task, timers included.
            let rules = Set(reference.tasks.map(\.rule))
            #expect(rules == ["hot-lead-follow-up", "location-mismatch-fraud", "low-balance-before-rent"])
            #expect(reference.tasks.contains { $0.notBefore != nil }, "no deferred task")
            #expect(reference.suppressed.contains { $0.policy == "contact-cap" }, "\(reference.suppressed.map(\.policy))")
            #expect(!reference.late.isEmpty, "the last file is not beyond the allowed lateness")

            for size in [1, 7, Int(head) + 1] {
                let engine = Engine(ruleSet: Self.ruleSet, allowedLateness: Self.limits.allowedLateness)
                let slice = try LogEvaluation(log: run.log).evaluateAll(engine, after: 0, sliceSize: size)
                #expect(slice.lastPosition == head)
                #expect(slice.entries == Int(head))
                #expect(slice.ticks == ticks)
                var list = TaskList()
                list.record(slice.changes)
                #expect(list.twice == 0, "slices of \(size)")
                // Releases (a session of the assignee, another subject) and the contact cap happened.
                #expect(list.releases > 0 && !list.suppressed.isEmpty, "slices of \(size)")
                #expect(list.tasks.count == reference.tasks.count, "slices of \(size)")
                for (got, expected) in zip(list.tasks, reference.tasks) where got != expected {
                    Issue.record("slices of \(size): \(got.id) is\n\(got)\nreplay gives\n\(expected)")
                }
                #expect(list.expiredOnArrival == reference.expiredOnArrival, "slices of \(size)")
                #expect(list.suppressed == reference.suppressed.map(\.task), "slices of \(size)")
                #expect(engine.clock == reference.engine.clock)
                #expect(engine.statistics.events == reference.engine.statistics.events)
                #expect(engine.statistics.duplicates == 0)
                #expect(reference.engine.statistics.duplicates > 0, "the resent events are not in the files")

                // Nothing new: the same position back, nothing applied.
                let again = try LogEvaluation(log: run.log).evaluate(engine, after: head, limit: size)
                #expect(again.lastPosition == head && again.entries == 0 && again.changes.isEmpty)
            }
            try await run.close()
        } catch {
            try await run.close()
            throw error
        }
    }

    /// What a restarted node does: the first engine's state and tasks committed with the
    /// position it reached, a second engine restored from the store's snapshot, evaluation
    /// resumed after that position; the tasks of both halves are replay's.
    @Test(arguments: [UInt64(4), 5])
    func anEngineRestoredFromASnapshotInTheMiddleGoesOnToReplaysTasks(seed: UInt64) async throws {
        let run = try await LoggedRun()
        do {
            let steps = Self.steps(seed: seed)
            try run.feed(steps)
            let reference = try run.replay(steps)
            let head = try run.log.head()
            var random = SplitMix(state: seed)
            let middle = Int64(1 + random.next() % UInt64(head - 1))

            let evaluation = LogEvaluation(log: run.log)
            var list = TaskList()
            let half = Engine(ruleSet: Self.ruleSet, allowedLateness: Self.limits.allowedLateness)
            half.recordsChanges = true
            let upToMiddle = try evaluation.evaluate(half, after: 0, limit: Int(middle))
            list.record(upToMiddle.changes)
            try run.store.commit(Commit(changes: half.takeChanges(), tasks: upToMiddle.changes))

            let restored = Engine(
                ruleSet: Self.ruleSet, allowedLateness: Self.limits.allowedLateness, restoring: try run.store.snapshot())
            #expect(restored.clock == half.clock)
            let rest = try evaluation.evaluateAll(restored, after: upToMiddle.lastPosition, sliceSize: 5)
            #expect(rest.lastPosition == head)
            #expect(rest.entries == Int(head - middle))
            list.record(rest.changes)

            #expect(list.twice == 0)
            #expect(list.tasks.count == reference.tasks.count)
            for (got, expected) in zip(list.tasks, reference.tasks) where got != expected {
                Issue.record("resumed after \(middle): \(got.id) is\n\(got)\nreplay gives\n\(expected)")
            }
            #expect(list.suppressed == reference.suppressed.map(\.task))
            #expect(restored.clock == reference.engine.clock)
            try await run.close()
        } catch {
            try await run.close()
            throw error
        }
    }

    /// A body changed under the log (another version's text, a hand edit) stops the slice at
    /// its position, with nothing of the slice applied; the entries before it were applied by
    /// an earlier slice and stay so.
    @Test func anEntryWhoseTextNoLongerDecodesOrIsAnotherEventStopsAtItsPositionWithTheSliceUnapplied() async throws {
        let run = try await LoggedRun()
        do {
            var random = SplitMix(state: 7)
            try run.feed([.file(name: "0000.jsonl", text: Self.mix(customers: 2, using: &random).joined(separator: "\n") + "\n")])
            let second = try #require(try run.log.entries(after: 1, limit: 1).first)
            let (source, id) = (try #require(second.source), try #require(second.id))
            #expect(try await run.database.column(
                #"UPDATE event_log SET body = replace(body, '"id":"\#(id)"', '"id":"other"') WHERE pos = 2 RETURNING pos::text"#)
                == ["2"])
            #expect(try await run.database.column(
                #"UPDATE event_log SET body = '{"specversion":"1.0","id":"x"' WHERE pos = 5 RETURNING pos::text"#) == ["5"])
            let evaluation = LogEvaluation(log: run.log)
            let engine = Engine(ruleSet: Self.ruleSet)

            let before = try evaluation.evaluate(engine, after: 0, limit: 1)
            #expect(before.lastPosition == 1 && before.entries == 1)
            let clock = engine.clock
            #expect(engine.statistics.events == 1)
            do {
                _ = try evaluation.evaluate(engine, after: 1, limit: 10)
                Issue.record("an entry filed under another id was applied")
            } catch let failure as LogEvaluation.Failure {
                #expect(failure.position == 2)
                #expect(failure.description == """
                    event log position 2: its text is the event (\(source), other), but the log filed it as \
                    (\(source), \(id)); the table was changed by hand
                    """)
            }
            do {
                _ = try evaluation.evaluate(engine, after: 2, limit: 10)
                Issue.record("an undecodable entry was applied")
            } catch let failure as LogEvaluation.Failure {
                #expect(failure.position == 5)
                #expect(failure.description.hasPrefix("event log position 5: its text no longer decodes as an event (invalid JSON"))
            }
            #expect(engine.clock == clock && engine.statistics.events == 1)
            try await run.close()
        } catch {
            try await run.close()
            throw error
        }
    }
}

/// An event's kind in the log: a `kind: process` spool's events written without a `kind`
/// attribute are `process` events (SPEC: the spool's configured kind applies), and the log's
/// evaluation and `replay` of its export must see them so, while the producer's text is kept.
@Suite(.postgres, .blocksAThread) struct LogEventKindTests {
    /// One rule that makes a task of every `step.done` event, saying the kind it saw.
    static let ruleSet = try! RuleLoader.load([RuleSource(path: "kinds.yaml", text: """
        rules:
          - id: kind-seen
            description: Says which kind each step event had.
            on: [step.done]
            task:
              assignee: ops
              where: crm_task
              priority: 50
              what: "{{ event.id }} is {{ event.kind }}"
              why: "a step of {{ subject }}"
              data:
                kind: event.kind
        """)]).get()

    static func line(_ id: String, minute: Int, kind: String? = nil, spaced: Bool = false) -> String {
        let head = spaced ? #"{ "specversion": "1.0", "id": "\#(id)""# : #"{"specversion":"1.0","id":"\#(id)""#
        return head + (kind.map { #","kind":"\#($0)""# } ?? "")
            + #","source":"wf","type":"step.done","subject":"s-\#(id)","time":"2026-11-20T08:\#(minute):00.250Z","data":{"n":\#(minute)}}"#
    }

    /// A process spool's two files (events without `kind`, one spaced out, one with an
    /// explicit `"kind":"data"`, one with `"kind":"process"`) with a clock step between them.
    static let steps: [LogEvaluationTests.Step] = [
        .file(name: "a.jsonl", text: [
            line("e1", minute: 10), line("e2", minute: 11, kind: "data"), line("e3", minute: 12, spaced: true),
        ].joined(separator: "\n") + "\n"),
        .tick(Timestamp(rfc3339: "2026-11-20T08:30:00Z")!),
        .file(name: "b.jsonl", text: line("e4", minute: 40, kind: "process") + "\n" + line("e5", minute: 41) + "\n"),
    ]
    static let kinds: [String: EventKind] = ["e1": .process, "e2": .data, "e3": .process, "e4": .process, "e5": .process]

    @Test func aProcessSpoolsEventsWithoutKindAreProcessInTheLogItsEvaluationAndReplayOfItsExport() async throws {
        let run = try await LogEvaluationTests.LoggedRun()
        do {
            try run.feed(Self.steps, kind: .process)
            let entries = try run.log.entries(after: 0, limit: 100)
            #expect(entries.map(\.id) == ["e1", "e2", "e3", nil, "e4", "e5"])
            #expect(entries.map(\.eventKind) == [.process, .data, .process, nil, .process, .process])
            #expect(entries.filter { $0.kind == .event }.map(\.body) == [
                Self.line("e1", minute: 10), Self.line("e2", minute: 11, kind: "data"), Self.line("e3", minute: 12, spaced: true),
                Self.line("e4", minute: 40, kind: "process"), Self.line("e5", minute: 41),
            ], "the producer's text, unchanged")

            // The evaluation applies each event with its kind.
            let engine = Engine(ruleSet: Self.ruleSet, allowedLateness: LogEvaluationTests.limits.allowedLateness)
            let slice = try LogEvaluation(log: run.log).evaluateAll(engine, after: 0, sliceSize: 4)
            var evaluated = LogEvaluationTests.TaskList()
            evaluated.record(slice.changes)
            #expect(evaluated.tasks.map(\.what) == ["e1 is process", "e2 is data", "e3 is process", "e4 is process", "e5 is process"])
            #expect(evaluated.tasks.map { $0.data["kind"] } == ["process", "data", "process", "process", "process"])

            // The export writes the kind into the texts that lack it, right after the `{`.
            let lines = entries.map(\.exportLine)
            #expect(lines == [
                #"{"kind":"process","# + Self.line("e1", minute: 10).dropFirst(),
                Self.line("e2", minute: 11, kind: "data"),
                #"{"kind":"process","# + Self.line("e3", minute: 12, spaced: true).dropFirst(),
                #"{"contextd_clock_step":"2026-11-20T08:30:00Z"}"#,
                Self.line("e4", minute: 40, kind: "process"),
                #"{"kind":"process","# + Self.line("e5", minute: 41).dropFirst(),
            ])
            for (entry, line) in zip(entries, lines) where entry.kind == .event {
                let event = try EventDecoder().decode(line: Array(line.utf8), lineNumber: 1).get()
                #expect(event.kind == Self.kinds[event.id], "replay's decoder (default data) reads \(line)")
            }

            // replay of the export (its files cut at the tick, read with replay's default
            // decoder) equals the evaluation field by field.
            let first = run.directory.appendingPathComponent("export-1.jsonl")
            let second = run.directory.appendingPathComponent("export-5.jsonl")
            try (lines[0...2].joined(separator: "\n") + "\n").write(to: first, atomically: true, encoding: .utf8)
            try (lines[4...5].joined(separator: "\n") + "\n").write(to: second, atomically: true, encoding: .utf8)
            let replay = Replay(ruleSet: Self.ruleSet, allowedLateness: LogEvaluationTests.limits.allowedLateness)
            replay.apply(file: try #require(EventFileReader(path: first.path)))
            replay.advance(to: entries[3].time)
            replay.apply(file: try #require(EventFileReader(path: second.path)))
            #expect(replay.tasks == evaluated.tasks)
            #expect(replay.engine.clock == engine.clock)
            #expect(replay.engine.statistics.events == engine.statistics.events)
            try await run.close()
        } catch {
            try await run.close()
            throw error
        }
    }

    /// A kind changed under the log (by hand) stops the slice at its position, as a changed id
    /// does: the text says one kind and the log another.
    @Test func anEntryWhoseTextSaysAnotherKindThanTheLogStopsAtItsPosition() async throws {
        let run = try await LogEvaluationTests.LoggedRun()
        do {
            try run.feed(Self.steps, kind: .process)
            #expect(try await run.database.column(
                "UPDATE event_log SET event_kind = 'data' WHERE id = 'e4' RETURNING pos::text") == ["5"])
            let engine = Engine(ruleSet: Self.ruleSet)
            do {
                _ = try LogEvaluation(log: run.log).evaluate(engine, after: 0, limit: 10)
                Issue.record("an entry of another kind than its text was applied")
            } catch let failure as LogEvaluation.Failure {
                #expect(failure.description == """
                    event log position 5: its text says kind 'process', but the log filed it as 'data'; \
                    the table was changed by hand
                    """)
            }
            #expect(engine.statistics.events == 0)
            try await run.close()
        } catch {
            try await run.close()
            throw error
        }
    }
}
