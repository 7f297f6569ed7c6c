import HTTPTypes
import ContextdEngine
import ContextdEvents
import ContextdHTTP
import ContextdStore
import ContextdTestSupport
import Foundation
import Synchronization
import Testing

/// SPEC §3's lease API on a real server over loopback, with the lease clock under the test's
/// control: a lease "runs out" when the test moves the clock, never by sleeping.
@Suite struct LeaseAPITests {
    @Test func leasesHighestPriorityFirstThenOldest() async throws {
        let harness = try APIHarness()
        try harness.publish([
            APIHarness.task("t-low", priority: 10),
            APIHarness.task("t-high-new", priority: 90, createdAt: APIHarness.start + .minutes(5)),
            APIHarness.task("t-high-old", priority: 90),
            APIHarness.task("t-mid", priority: 50),
        ])
        try await harness.withServer { port in
            let first = try await request(port, .get, "/v1/tasks?limit=3")
            #expect(first.status == 200)
            #expect(first.taskIDs == ["t-high-old", "t-high-new", "t-mid"])
            let rest = try await request(port, .get, "/v1/tasks?limit=10")
            #expect(rest.taskIDs == ["t-low"])
            let none = try await request(port, .get, "/v1/tasks?limit=10")
            #expect(none.status == 200 && none.taskIDs.isEmpty)
        }
    }

    @Test func leaseFiltersByAssigneePrefixAndReturnsTheOutboxRecord() async throws {
        let harness = try APIHarness()
        try harness.publish([
            APIHarness.task("t-fraud", assignee: "queue:fraud", priority: 97),
            APIHarness.task("t-sales", assignee: "sales:anna", priority: 60),
        ])
        try await harness.withServer { port in
            let response = try await request(port, .get, "/v1/tasks?assignee=sales:&limit=5")
            #expect(response.taskIDs == ["t-sales"])
            guard case .list(let items)? = response["tasks"], case .object(let item) = items[0],
                case .object(let task)? = item["task"], case .object(let lease)? = item["lease"]
            else { Issue.record("unexpected shape: \(response.text)"); return }
            #expect(task["assignee"] == .string("sales:anna"))
            #expect(task["what"] == .string("Call"))
            #expect(lease["attempt"] == .number(1))
            #expect(lease["expires_at"] == .string("2026-11-23T09:05:00Z"))
        }
    }

    @Test func longPollReturnsAsSoonAsATaskBecomesDue() async throws {
        let harness = try APIHarness()
        try await harness.withServer { port in
            let started = ContinuousClock.now
            async let polled = request(port, .get, "/v1/tasks?wait=240")
            try await harness.untilAPollWaits()
            try harness.publish([APIHarness.task("t-late", priority: 70)])
            let response = try await polled
            let elapsed = ContinuousClock.now - started
            #expect(response.taskIDs == ["t-late"])
            // It came back when the task was published, not when the 240 s wait ran out (the
            // bound is loose on purpose: a loaded CI machine may take seconds, never minutes).
            #expect(elapsed < .seconds(120), "long poll took \(elapsed)")
        }
    }

    @Test func longPollWithNothingDueReturnsAnEmptyListAfterTheWait() async throws {
        let harness = try APIHarness()
        try await harness.withServer { port in
            let started = ContinuousClock.now
            let response = try await request(port, .get, "/v1/tasks?wait=1")
            #expect(response.status == 200 && response.taskIDs.isEmpty)
            #expect(ContinuousClock.now - started >= .milliseconds(900))
        }
    }

    @Test func anExpiredLeaseMakesTheTaskDueAgainWithAHigherAttempt() async throws {
        let harness = try APIHarness()
        try harness.publish([APIHarness.task("t-1")])
        try await harness.withServer { port in
            let first = try await request(port, .get, "/v1/tasks")
            #expect(first.taskIDs == ["t-1"])
            harness.clock.advance(.seconds(299))
            #expect(try await request(port, .get, "/v1/tasks").taskIDs.isEmpty, "still leased at 299 s")
            harness.clock.advance(.seconds(1))
            let again = try await request(port, .get, "/v1/tasks")
            #expect(again.taskIDs == ["t-1"])
            guard case .list(let items)? = again["tasks"], case .object(let item) = items[0],
                case .object(let lease)? = item["lease"]
            else { Issue.record("\(again.text)"); return }
            #expect(lease["attempt"] == .number(2))
            // The first poller's lease is gone: its ack is refused, the second poller's works.
            let stale = try await request(port, .post, "/v1/tasks/t-1/ack",
                body: #"{"outcome":"done","lease":"\#(first.lease(of: "t-1")!)"}"#)
            #expect(stale.status == 409 && stale.errorCode == "lease_mismatch")
            let ok = try await request(port, .post, "/v1/tasks/t-1/ack",
                body: #"{"outcome":"done","lease":"\#(again.lease(of: "t-1")!)"}"#)
            #expect(ok.status == 200)
        }
    }

    @Test func ackRecordsTheOutcomeAndQueuesItForTheEngine() async throws {
        let harness = try APIHarness()
        try harness.publish([APIHarness.task("t-1"), APIHarness.task("t-2")])
        try await harness.withServer { port in
            _ = try await request(port, .get, "/v1/tasks?limit=2")
            let ack = try await request(port, .post, "/v1/tasks/t-1/ack",
                body: #"{"outcome":"rejected","note":"customer not interested"}"#)
            #expect(ack.status == 200)
            #expect(ack["delivery"] == .string("acked"))
            #expect(ack["outcome"] == .string("rejected"))
            #expect(ack["note"] == .string("customer not interested"))
            let twice = try await request(port, .post, "/v1/tasks/t-1/ack", body: #"{"outcome":"done"}"#)
            #expect(twice.status == 409 && twice.errorCode == "already_acked")
            let unknown = try await request(port, .post, "/v1/tasks/t-nope/ack", body: #"{"outcome":"done"}"#)
            #expect(unknown.status == 404 && unknown.errorCode == "not_found")
            let badOutcome = try await request(port, .post, "/v1/tasks/t-2/ack", body: #"{"outcome":"finished"}"#)
            #expect(badOutcome.status == 400)
            #expect(badOutcome.text.contains("unknown outcome 'finished'"))
            let notJSON = try await request(port, .post, "/v1/tasks/t-2/ack", body: "outcome=done")
            #expect(notJSON.status == 400 && notJSON.errorCode == "bad_request")
        }
        let outcomes = try harness.store.pendingOutcomes(limit: 10)
        #expect(outcomes.map(\.task) == ["t-1"])
        #expect(outcomes.first?.outcome == "rejected")
        #expect(outcomes.first?.subject == "cust-t-1")
        #expect(outcomes.first?.note == "customer not interested")
        #expect(harness.observer.events.withLock { $0 }.contains("acked t-1 rejected"))
    }

    @Test func ackAfterTheLeaseRanOutIsAConflict() async throws {
        let harness = try APIHarness()
        try harness.publish([APIHarness.task("t-1")])
        try await harness.withServer { port in
            _ = try await request(port, .get, "/v1/tasks")
            harness.clock.advance(.seconds(301))
            let late = try await request(port, .post, "/v1/tasks/t-1/ack", body: #"{"outcome":"done"}"#)
            #expect(late.status == 409 && late.errorCode == "lease_expired")
            let queued = try await request(port, .post, "/v1/tasks/t-1/release")
            #expect(queued.status == 409 && queued.errorCode == "lease_expired")
        }
    }

    @Test func releaseGivesTheTaskBackAtOnce() async throws {
        let harness = try APIHarness()
        try harness.publish([APIHarness.task("t-1", priority: 80), APIHarness.task("t-2", priority: 20)])
        try await harness.withServer { port in
            #expect(try await request(port, .get, "/v1/tasks").taskIDs == ["t-1"])
            let released = try await request(port, .post, "/v1/tasks/t-1/release")
            #expect(released.status == 200 && released["delivery"] == .string("queued"))
            #expect(try await request(port, .get, "/v1/tasks").taskIDs == ["t-1"], "due again, still first")
            let neverLeased = try await request(port, .post, "/v1/tasks/t-2/release")
            #expect(neverLeased.status == 409)
        }
    }

    @Test func aTaskLeasedMaxAttemptsTimesIsDeadLetteredAndCanBeRequeued() async throws {
        // Requeue needs access 'admin' (a lease-level CRM token cannot): one token of each.
        let crm = "s3cret-crm-0123456789abc"
        let admin = "s3cret-admin-0123456789ab"
        let harness = try APIHarness(
            tokens: [AccessToken(name: "crm", secret: crm, assignees: [""]),
                AccessToken(name: "ops", secret: admin, assignees: [""], access: .admin)],
            lease: LeaseTerms(duration: .seconds(60), maxAttempts: 3))
        try harness.publish([APIHarness.task("t-poison"), APIHarness.task("t-ok", priority: 10)])
        try await harness.withServer { port in
            for attempt in 1...3 {
                let leased = try await request(port, .get, "/v1/tasks?assignee=queue:", token: crm)
                #expect(leased.taskIDs.first == "t-poison", "attempt \(attempt)")
                if attempt == 2 {
                    #expect(try await request(port, .post, "/v1/tasks/t-poison/release", token: crm).status == 200)
                } else {
                    harness.clock.advance(.seconds(61))
                }
            }
            // Its third lease ran out: dead, so the next poll gets the other task.
            #expect(try await request(port, .get, "/v1/tasks", token: crm).taskIDs == ["t-ok"])
            let dead = try await request(port, .get, "/v1/dead-letters", token: crm)
            #expect(dead.taskIDs == ["t-poison"])
            guard case .list(let items)? = dead["tasks"], case .object(let item) = items.first else {
                Issue.record("\(dead.text)"); return
            }
            #expect(item["attempts"] == .number(3))
            let refused = try await request(port, .post, "/v1/tasks/t-poison/requeue", token: crm)
            #expect(refused.status == 403 && refused.errorCode == "forbidden")
            let requeued = try await request(port, .post, "/v1/tasks/t-poison/requeue", token: admin)
            #expect(requeued.status == 200 && requeued["attempts"] == .number(0))
            #expect(try await request(port, .get, "/v1/dead-letters", token: crm).taskIDs.isEmpty)
            #expect(try await request(port, .get, "/v1/tasks", token: crm).taskIDs == ["t-poison"])
            let notDead = try await request(port, .post, "/v1/tasks/t-ok/requeue", token: admin)
            #expect(notDead.status == 409 && notDead.errorCode == "wrong_state")
        }
    }

    @Test func aQueuedTaskPastItsExpiryIsNotHandedOut() async throws {
        let harness = try APIHarness()
        // The lease clock starts at 09:00; this task expired at 08:30.
        try harness.publish([APIHarness.task("t-stale", expiresAt: Timestamp(rfc3339: "2026-11-23T08:30:00Z")!)])
        let leased = try await harness.withServer { port in try await request(port, .get, "/v1/tasks") }
        #expect(leased.taskIDs.isEmpty)
        #expect(try await harness.store.taskCounts()[.expired] == 1)
    }

    @Test func showExplainsWhereATaskIs() async throws {
        let harness = try APIHarness()
        try harness.publish([APIHarness.task("t-1")])
        try await harness.withServer { port in
            _ = try await request(port, .get, "/v1/tasks")
            _ = try await request(port, .post, "/v1/tasks/t-1/ack", body: #"{"outcome":"accepted","note":"booked"}"#)
            let shown = try await request(port, .get, "/v1/tasks/t-1")
            #expect(shown.status == 200)
            #expect(shown["status"] == .string("acked (accepted: booked), leased once"))
        }
    }
}

/// The operations endpoints and a graceful shutdown with a long poll in flight.
@Suite struct OperationsAPITests {
    @Test func aGracefulShutdownEndsLongPollsAtOnce() async throws {
        let harness = try APIHarness()
        // withServer shuts the server down gracefully as soon as the body returns; the poll
        // below is still waiting (240 s) at that moment. Timed from then, not from the test's
        // start: a loaded machine may take long to start the server, never 240 s to stop it.
        let (poll, shutdownStarted) = try await harness.withServer { port in
            let poll = Task { try await request(port, .get, "/v1/tasks?wait=240") }
            try await harness.untilAPollWaits()
            return (poll, ContinuousClock.now)
        }
        let response = try await poll.value
        #expect(response.status == 200 && response.taskIDs.isEmpty)
        #expect(ContinuousClock.now - shutdownStarted < .seconds(120), "shutdown waited for the 240 s long poll")
    }

    @Test func readyzSaysWhyItIsNotReady() async throws {
        let harness = try APIHarness()
        let reasons = Mutex(["starting: finishing work left by the previous run"])
        let (ready, notReady) = try await harness.withServer(probe: OperationsProbe(
            notReadyReasons: { reasons.withLock { $0 } }, metrics: { "" })
        ) { port in
            let notReady = try await request(port, .get, "/readyz")
            reasons.withLock { $0 = [] }
            return (try await request(port, .get, "/readyz"), notReady)
        }
        #expect(notReady.status == 503)
        #expect(notReady["reasons"] == .list([.string("starting: finishing work left by the previous run")]))
        #expect(ready.status == 200)
    }

    @Test func anUnknownPathIsAJSON404() async throws {
        let harness = try APIHarness()
        let response = try await harness.withServer { port in try await request(port, .get, "/v1/taks") }
        #expect(response.status == 404 && response.errorCode == "not_found")
        #expect(response.text.contains("no such endpoint: GET /v1/taks"))
    }

    @Test func theStoreAnswersReadinessQueries() async throws {
        let harness = try APIHarness()
        #expect(await harness.store.isAvailable())
    }
}
