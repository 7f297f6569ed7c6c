import ContextdHTTP

/// `contextd status`'s text: the ``StatusReport`` of `/v1/status` in lines a person reads at a
/// terminal, one subject a line, a label in the first column. Details of a line (a rejected
/// file, a rule's last error, a reload error) follow it, indented.
struct StatusSummary {
    let report: StatusReport

    var lines: [String] {
        var lines: [String] = []
        func line(_ label: String, _ text: String) { lines.append(label.padding(to: 9) + " " + text) }
        func detail(_ text: String) { lines.append("  " + text) }

        line("contextd", report.version + (report.ready ? ", ready" : ", NOT READY"))
        for reason in report.notReady { detail("not ready: " + reason) }
        line("started", report.startedAt)
        let clock = report.clock
        line("clock", "engine \(clock.engine ?? "-"), wall \(clock.wall), lag \(clock.lagSeconds.map(Self.seconds) ?? "-")"
            + (clock.followsWallClock ? " (follows the wall clock when idle)" : " (event time only)"))
        let events = report.events
        line("events", "\(events.total) taken (\(Self.rate(events.perSecond))/s), \(events.duplicates) duplicates, "
            + "\(events.rejected) rejected, \(events.late) late, \(events.future) future")
        for spool in report.spools {
            var text = "\(spool.name) \(spool.path): \(spool.new) new, \(spool.cur) in cur"
            if let file = spool.inProgress {
                text += ", reading \(file.file) \(file.done)/\(file.total.map(String.init) ?? "?")"
            }
            text += "; last hour \(spool.doneLastHour) done, \(spool.rejectedLastHour) rejected"
            line("spool", text)
            for reject in spool.lastRejects { detail("rejected \(reject.file) at \(reject.at): \(reject.reason)") }
        }
        let tasks = report.tasks
        line("tasks", "\(tasks.pending) pending (\(tasks.deferred) deferred), \(tasks.written) written, "
            + "\(tasks.queued) queued, \(tasks.leased) leased, \(tasks.acked.values.reduce(0, +)) acked"
            + Self.breakdown(tasks.acked) + ", \(tasks.expired) expired (\(tasks.expiredOnArrival) on arrival), "
            + "\(tasks.dead) dead; outbox \(tasks.outboxDepth) waiting")
        let rules = report.rules
        let reload = rules.lastReload
        line("rules", "\(rules.count) in force; last load \(reload.at) "
            + (reload.ok ? "ok" : "FAILED (\(reload.errors.count) errors; the previous rules stay)"))
        for error in reload.errors { detail("\(error.file):\(error.line):\(error.column): \(error.message)") }
        for rule in rules.rules {
            let suppressed = rule.suppressed.values.reduce(0, +)
            line("rule", "\(rule.id): \(rule.evaluations) evaluations, \(rule.matches) matches, \(rule.tasks) tasks, "
                + "\(suppressed) suppressed\(Self.breakdown(rule.suppressed)), \(rule.errors) errors")
            if let last = rule.lastError {
                detail("last error at \(last.at)\(last.event.map { " on event \($0)" } ?? ""): \(last.message)")
            }
        }
        let store = report.store
        line("store", "\(store.kind) \(store.location): \(store.sizeBytes.map { "\($0) bytes" } ?? "size unknown"), "
            + "last commit \(store.lastCommit ?? "none yet"), last error \(store.lastError ?? "none")")
        if let cluster = report.cluster {
            line("cluster", "node \(cluster.node), rules \(cluster.rules) (the cluster's: \(cluster.clusterRules ?? "unknown")), "
                + "log head \(cluster.head), watermark \(cluster.watermark.map(String.init) ?? "none")")
            if let refusal = cluster.refusal { detail(refusal) }
            for node in cluster.nodes {
                detail("\(node.id): \(node.live ? "live" : "gone"), \(node.partitions) partitions, applied \(node.position), "
                    + "rules \(node.rules)\(node.drained ? "" : ", spools busy"), heartbeat \(node.heartbeatAt)")
            }
            let unowned = cluster.unowned
            detail("partitions: \(cluster.partitions.count), unowned \(unowned.isEmpty ? "none" : unowned.map(String.init).joined(separator: ",")), "
                + "most behind: " + (cluster.mostBehind(3).map { "\($0.partition) (\($0.owner ?? "-"), \($0.lag))" }.joined(separator: ", ")
                    .nonEmpty ?? "none"))
        }
        return lines
    }

    /// ` (dedup 2, contact-cap 1)`: counts by name, largest first; empty when there are none.
    private static func breakdown(_ counts: [String: Int]) -> String {
        let parts = counts.filter { $0.value > 0 }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        return parts.isEmpty ? "" : " (" + parts.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
    }

    private static func seconds(_ value: Double) -> String { rate(value) + " s" }

    /// One decimal, or none for whole numbers: `0.5`, `12`, `1234.6`.
    private static func rate(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

extension String {
    /// Nil for the empty string.
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
