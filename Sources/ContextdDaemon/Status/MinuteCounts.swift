import ContextdEvents

/// Events and tasks per wall-clock minute over the last hour: sixty slots, one per minute,
/// reused as the hour moves on, so counting costs an index and two additions whatever the rate.
///
/// The loop adds once per commit (not per event); `/v1/status` reads the hour on request.
struct MinuteCounts: Sendable, Equatable {
    static let minutes = 60

    private struct Slot: Sendable, Equatable {
        /// The minute this slot holds (minutes since the epoch); a slot of an older minute is stale.
        var minute: Int64 = .min
        var events = 0
        var tasks = 0
    }

    private var slots = [Slot](repeating: Slot(), count: minutes)

    /// Counts `events` and `tasks` in the minute of `time`.
    mutating func add(events: Int, tasks: Int, at time: Timestamp) {
        guard events > 0 || tasks > 0 else { return }
        let minute = Self.minute(of: time)
        let index = Self.index(of: minute)
        if slots[index].minute != minute { slots[index] = Slot(minute: minute) }
        slots[index].events += events
        slots[index].tasks += tasks
    }

    /// The sixty minutes that end with the minute of `now`, oldest first; a minute without
    /// work is there with zeros (a chart has no holes).
    func hour(endingAt now: Timestamp) -> [(start: Timestamp, events: Int, tasks: Int)] {
        let last = Self.minute(of: now)
        return (last - Int64(Self.minutes) + 1...last).map { minute in
            let slot = slots[Self.index(of: minute)]
            let current = slot.minute == minute
            return (Timestamp(milliseconds: minute * 60_000), current ? slot.events : 0, current ? slot.tasks : 0)
        }
    }

    /// Events per second over the minute before `now`: this minute's events and the previous
    /// minute's share of the sixty seconds before `now` (the previous minute counted evenly).
    func eventsPerSecond(at now: Timestamp) -> Double {
        let minute = Self.minute(of: now)
        let intoMinute = Double(now.milliseconds - minute * 60_000) / 1000
        let current = slots[Self.index(of: minute)]
        let previous = slots[Self.index(of: minute - 1)]
        let thisMinute = current.minute == minute ? Double(current.events) : 0
        let lastMinute = previous.minute == minute - 1 ? Double(previous.events) : 0
        return (thisMinute + lastMinute * (60 - intoMinute) / 60) / 60
    }

    private static func minute(of time: Timestamp) -> Int64 {
        let milliseconds = time.milliseconds
        return milliseconds >= 0 ? milliseconds / 60_000 : (milliseconds - 59_999) / 60_000
    }

    private static func index(of minute: Int64) -> Int {
        Int(((minute % Int64(minutes)) + Int64(minutes)) % Int64(minutes))
    }
}

/// How many times something happened (a file done, a file rejected) in the last hour, by
/// wall-clock minute: sixty slots, so a spool of a thousand files a second keeps sixty numbers,
/// not an hour of timestamps. The hour asked about is the sixty minutes that end with the
/// minute of the time asked (to the minute, as the overview's chart).
struct HourOfTimes: Sendable, Equatable {
    private var minutes = MinuteCounts()

    /// Notes `count` occurrences at `time`.
    mutating func add(_ count: Int = 1, at time: Timestamp) {
        minutes.add(events: count, tasks: 0, at: time)
    }

    /// How many happened in the sixty minutes that end with the minute of `now`.
    func count(at now: Timestamp) -> Int {
        minutes.hour(endingAt: now).reduce(0) { $0 + $1.events }
    }
}
