@testable import ContextdDaemon
import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdStore
import Foundation
import Logging
import Testing

/// The loop's explicit state: recovery first and once, groups only after it, one commit in
/// flight at a time, nothing after the shutdown. A step in the wrong state is an error.
@Suite struct LoopStateTests {
    static func flight() -> InFlightCommit {
        InFlightCommit(pending: PendingCommit(), tasks: [], staged: [], clock: nil, rules: [:], finished: [], tally: [:])
    }

    @Test func recoveryComesFirstAndOnce() throws {
        var state = LoopState.starting
        #expect(throws: LoopStateError.self) { try state.beginApplying() }
        #expect(throws: LoopStateError.self) { try state.startCommit(Self.flight()) }
        try state.beginRecovering()
        #expect(state.name == "recovering")
        #expect(throws: LoopStateError.self) { try state.beginRecovering() }
        #expect(throws: LoopStateError.self) { try state.beginApplying() }
    }

    @Test func oneCommitIsInFlightAtATimeAndIdleHasNone() throws {
        var state = LoopState.idle
        try state.beginApplying()
        try state.startCommit(Self.flight())
        #expect(state.name == "applying, a commit in flight")
        let error = #expect(throws: LoopStateError.self) { try state.startCommit(Self.flight()) }
        #expect(error?.description == "the daemon's loop cannot commit while applying, a commit in flight (a bug: please report it)")
        #expect(throws: LoopStateError.self) { try state.becomeIdle() }
        let taken = state.takeInFlight()
        let again = state.takeInFlight()
        #expect(taken != nil)
        #expect(again == nil, "the commit in flight is taken once")
        try state.becomeIdle()
        #expect(state.inFlight == nil)
        // An idle loop that commits (a timer fired, an outcome arrived) is running again.
        try state.startCommit(Self.flight())
        #expect(state.name == "applying, a commit in flight")
    }

    @Test func nothingIsAppliedOrCommittedAfterTheShutdown() throws {
        var state = LoopState.settled
        #expect(throws: LoopStateError.self) { try state.beginApplying() }
        #expect(throws: LoopStateError.self) { try state.startCommit(Self.flight()) }
        #expect(throws: LoopStateError.self) { try state.becomeIdle() }
        let taken = state.takeInFlight()
        #expect(taken == nil)
    }

    /// The whole loop over a real store and spool: a file waiting before recovery is not
    /// taken, and neither is one dropped after the shutdown.
    @Test func theLoopRefusesAGroupBeforeRecoveryAndAfterTheShutdown() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loop-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = DaemonConfiguration.embeddedDefault(workingDirectory: directory.path)
        configuration.rules = [DaemonEqualsReplayTests.repository.appendingPathComponent("rules").path]
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let pipeline = try Pipeline(configuration: configuration, ruleSet: DaemonEqualsReplayTests.ruleSet,
            store: try configuration.store.open(), signal: TaskSignal(), metrics: DaemonMetrics(),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, shouldStop: { false },
            wallClock: { LoopPartsDirectory.time })
        let spool = directory.appendingPathComponent("var/spool/events").path
        let event = #"{"specversion":"1.0","id":"e1","source":"s","type":"t","subject":"x","time":"2027-01-15T08:00:00Z","data":{}}"#
        try (event + "\n").write(toFile: spool + "/new/a.jsonl", atomically: false, encoding: .utf8)

        #expect(throws: LoopStateError.self) { try pipeline.step() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool + "/new") == ["a.jsonl"], "not claimed")
        #expect(try pipeline.recover())
        #expect(try pipeline.step())
        try pipeline.idle()
        #expect(pipeline.state.name == "idle")
        #expect(pipeline.counters.files == 1)
        try pipeline.settle()
        try (event + "\n").write(toFile: spool + "/new/b.jsonl", atomically: false, encoding: .utf8)
        #expect(throws: LoopStateError.self) { try pipeline.step() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool + "/new") == ["b.jsonl"], "not claimed")
    }
}
