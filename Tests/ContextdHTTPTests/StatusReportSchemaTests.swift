import ContextdEvents
import ContextdHTTP
import ContextdTestSupport
import Foundation
import Testing

/// Status reports as a daemon gives them: one busy, with every optional field set, and one just
/// started, with every optional field null.
enum StatusReportSamples {
    static let running = StatusReport(
        ready: true, notReady: [], version: "0.9.0 (abc123def456)", startedAt: "2026-12-07T08:00:00Z",
        clock: .init(engine: "2026-12-07T09:59:58Z", wall: "2026-12-07T10:00:00Z", lagSeconds: 2.5, followsWallClock: true),
        spools: [.init(
            name: "crm", path: "/var/spool/contextd/crm", new: 3, cur: 1,
            inProgress: .init(file: "batch-7.jsonl", done: 120_000, total: 200_000), doneLastHour: 41, rejectedLastHour: 1,
            lastRejects: [.init(file: "bad.json", reason: "line 1: not JSON", at: "2026-12-07T09:40:00Z")])],
        tasks: .init(
            pending: 4, deferred: 1, written: 30, queued: 2, leased: 1, acked: ["done": 5, "rejected": 1], expired: 3,
            expiredOnArrival: 2, dead: 1, outboxDepth: 6),
        rules: .init(
            count: 1,
            lastReload: .init(at: "2026-12-07T09:00:00Z", ok: false, errors: [
                .init(file: "rules/fraud.yaml", line: 12, column: 9, message: "unknown field 'amout'"),
            ]),
            rules: [.init(
                id: "location-mismatch-fraud", description: "Card used far from a check-in", file: "rules/fraud.yaml",
                evaluations: 900, matches: 12, tasks: 10, suppressed: ["cooldown": 2], errors: 1,
                lastError: .init(message: "division by zero", event: "evt-9", at: "2026-12-07T09:30:00Z"))]),
        events: .init(total: 120_000, duplicates: 4, rejected: 1, late: 2, future: 0, perSecond: 812.5),
        store: .init(kind: "sqlite", location: "/var/lib/contextd/contextd.sqlite", sizeBytes: 1_048_576,
            lastCommit: "2026-12-07T09:59:59Z", lastError: "disk I/O error"),
        lastHour: [.init(at: "2026-12-07T09:59:00Z", events: 48_000, tasks: 3)],
        cluster: .init(
            node: "node-c", rules: "0f1e2d3c4b5a", clusterRules: "a1b2c3d4e5f6",
            refusal: "rules differ: this node runs 0f1e2d3c4b5a, the cluster a1b2c3d4e5f6", head: 120_400,
            nodes: [
                .init(id: "node-a", live: true, incarnation: 3, rules: "a1b2c3d4e5f6", drained: true, position: 120_400,
                    partitions: 2, heartbeatAt: "2026-12-07T09:59:58Z"),
                .init(id: "node-c", live: true, incarnation: 1, rules: "0f1e2d3c4b5a", drained: false, position: 0,
                    partitions: 0, heartbeatAt: "2026-12-07T09:59:59Z"),
            ],
            partitions: [
                .init(partition: 0, owner: "node-a", epoch: 4, applied: 120_398, lag: 2),
                .init(partition: 1, owner: nil, epoch: 2, applied: 99_000, lag: 21_400),
            ]))

    static let started = StatusReport(
        ready: false, notReady: ["startup recovery is running"], version: "0.9.0 (unknown)",
        startedAt: "2026-12-07T08:00:00Z",
        clock: .init(engine: nil, wall: "2026-12-07T08:00:01Z", lagSeconds: nil, followsWallClock: false),
        spools: [.init(name: "crm", path: "/var/spool/contextd/crm", new: 0, cur: 0, inProgress: .init(
            file: "big.jsonl", done: 0, total: nil), doneLastHour: 0, rejectedLastHour: 0, lastRejects: [])],
        tasks: .init(pending: 0, deferred: 0, written: 0, queued: 0, leased: 0, acked: [:], expired: 0,
            expiredOnArrival: 0, dead: 0, outboxDepth: 0),
        rules: .init(count: 1, lastReload: .init(at: "2026-12-07T08:00:00Z", ok: true, errors: []), rules: [.init(
            id: "r", description: nil, file: nil, evaluations: 0, matches: 0, tasks: 0, suppressed: [:], errors: 0,
            lastError: nil)]),
        events: .init(total: 0, duplicates: 0, rejected: 0, late: 0, future: 0, perSecond: 0),
        store: .init(kind: "sqlite", location: "/tmp/contextd.sqlite", sizeBytes: nil, lastCommit: nil, lastError: nil),
        lastHour: [])
}

/// `StatusReport` (what `/v1/status` sends) and its schema in docs/openapi.json stay one shape:
/// every key present (null when unknown), none the document lacks.
@Suite struct StatusReportSchemaTests {
    @Test(arguments: [StatusReportSamples.running, StatusReportSamples.started])
    func theEncodedReportConformsToTheDocumentedSchema(_ report: StatusReport) throws {
        let contract = try OpenAPIContract.load()
        let json = try JSON.parse(Array(try JSONEncoder().encode(report)))
        let schema = try #require(contract.schema.resolve("#/components/schemas/StatusReport"))
        #expect(contract.schema.problems(json, against: schema) == [])
    }

    @Test func nullsAreWrittenNotLeftOut() throws {
        let text = String(decoding: try JSONEncoder().encode(StatusReportSamples.started), as: UTF8.self)
        for key in ["engine", "lag_seconds", "total", "description", "file", "last_error", "size_bytes", "last_commit"] {
            #expect(text.contains(#""\#(key)":null"#), "\(key)")
        }
    }

    /// The hand-written `encode(to:)`s (StatusReport+Nulls.swift) drop no field: what is
    /// encoded decodes to the same report.
    @Test(arguments: [StatusReportSamples.running, StatusReportSamples.started])
    func theReportRoundTrips(_ report: StatusReport) throws {
        #expect(try JSONDecoder().decode(StatusReport.self, from: JSONEncoder().encode(report)) == report)
    }
}
