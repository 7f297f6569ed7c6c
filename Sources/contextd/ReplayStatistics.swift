import ContextdEngine
import ContextdEvents
import ContextdReplay

/// The `--stats` summary of SPEC §4, plus per-rule counts.
struct ReplayStatistics {
    let replay: Replay
    let seconds: Double

    var json: String {
        let statistics = replay.engine.statistics
        let rejected = replay.rejected.count + replay.rejectedFiles.count
        var rules: [String: Value] = [:]
        for (id, rule) in statistics.rules {
            rules[id] = .object([
                "evaluations": .number(Double(rule.evaluations)), "matches": .number(Double(rule.matches)),
                "tasks": .number(Double(rule.tasks)), "suppressed": .number(Double(rule.suppressed)),
                "errors": .number(Double(rule.errors)),
            ])
        }
        let object: [String: Value] = [
            "events": .number(Double(replay.eventsRead)), "rejected": .number(Double(rejected)),
            "duplicates": .number(Double(statistics.duplicates)), "tasks": .number(Double(replay.tasks.count)),
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
