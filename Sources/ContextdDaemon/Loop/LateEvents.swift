import ContextdEvents
import ContextdStore
import Logging

/// The events of one file that came too late to be applied (`limits.allowed_lateness`, SPEC §8):
/// each becomes a ``FileReject`` marked late, whose whole original text goes to
/// `rejected/<file>.late.jsonl` when the file completes; the file gets one warning line and
/// the input's metric counts them.
///
/// The engine decides (``Engine/isBeyondLateness(_:)``): what it no longer holds the windows
/// for is never applied wrongly, and `replay` refuses the same events.
struct LateEvents {
    let spool: String
    let file: String
    let allowedLateness: TimeSpan
    private(set) var count = 0
    private var oldest: Timestamp?
    /// The clock when the last one was set aside (the clock does not move within a late run).
    private var clock: Timestamp?

    init(spool: String, file: String, allowedLateness: TimeSpan) {
        self.spool = spool
        self.file = file
        self.allowedLateness = allowedLateness
    }

    mutating func setAside(_ event: Event, line: Int, text: [UInt8], clock: Timestamp?) -> FileReject {
        count += 1
        oldest = min(oldest ?? event.time, event.time)
        self.clock = clock
        let reason = "time \(event.time.rfc3339) is more than \(allowedLateness) behind the clock "
            + "(\(clock?.rfc3339 ?? "-")), limits.allowed_lateness: not applied, since the windows it would be "
            + "evaluated against are gone; its line is kept in the .late.jsonl file beside this one, to drop again "
            + "into a spool once someone decided it should count"
        return FileReject(spool: spool, file: file,
            rejection: EventRejection(line: line, error: reason, raw: String(decoding: text, as: UTF8.self)), late: true)
    }

    func report(to logger: Logger, metrics: DaemonMetrics) {
        guard count > 0 else { return }
        logger.warning("late events set aside, not applied", metadata: [
            "spool": "\(spool)", "file": "\(file)", "count": "\(count)", "oldest": "\(oldest?.rfc3339 ?? "-")",
            "clock": "\(clock?.rfc3339 ?? "-")", "allowed_lateness": "\(allowedLateness)",
            "kept_in": "rejected/\(file).late.jsonl",
        ])
        metrics.count("contextd_events_late_total", [("input", spool)], by: count)
    }
}
