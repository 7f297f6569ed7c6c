import ContextdEngine
import ContextdEvents
import ContextdReplay

/// The `--stats` summary of SPEC §4, plus figures per rule: under `rules`, every rule of the
/// set (none left out for never running) with `evaluations`, `matches` (its `when` held),
/// `tasks` (emitted), `suppressed` (stopped by a policy or its dedup), `errors` (run-time faults)
/// and `seconds` (evaluation time, policies included, measured by the engine through
/// ``Engine/monotonicClock``) — the figures the daemon exports as per-rule metrics.
struct ReplayStatistics {
    let replay: Replay
    let seconds: Double

    var json: String {
        let statistics = replay.engine.statistics
        let rejected = replay.rejected.count + replay.rejectedFiles.count
        var rules: [String: Value] = [:]
        let ids = replay.engine.ruleSet.rules.map(\.id) + statistics.rules.keys
        for id in ids where rules[id] == nil {
            let rule = statistics.rules[id] ?? RuleStatistics()
            rules[id] = .object([
                "evaluations": .number(Double(rule.evaluations)), "matches": .number(Double(rule.matches)),
                "tasks": .number(Double(rule.tasks)), "suppressed": .number(Double(rule.suppressed)),
                "errors": .number(Double(rule.errors)),
                "seconds": .number((Double(rule.nanoseconds) / 1e3).rounded() / 1e6),
            ])
        }
        let object: [String: Value] = [
            "events": .number(Double(replay.eventsRead)), "rejected": .number(Double(rejected)),
            "duplicates": .number(Double(statistics.duplicates)), "tasks": .number(Double(replay.tasks.count)),
            "late": .number(Double(statistics.late)),
            "expired_on_arrival": .number(Double(statistics.tasksExpiredOnArrival)),
            "suppressed": .number(Double(statistics.tasksSuppressed)),
            "timers_fired": .number(Double(statistics.timersFired)),
            "errors": .number(Double(statistics.evaluationErrors)),
            "seconds": .number((seconds * 1e6).rounded() / 1e6),
            "events_per_second": .number(seconds > 0 ? (Double(replay.eventsRead) / seconds).rounded() : 0),
            "rules": .object(rules),
        ]
        return JSON.encode(.object(object))
    }
}
