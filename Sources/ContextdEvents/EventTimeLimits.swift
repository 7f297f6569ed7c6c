/// What a reader knows about time when it opens a file, so that each event's time is judged
/// where the event's original text is still at hand (SPEC §8).
///
/// - An event further ahead of the wall clock than `limits.max_future_skew` is a bad line: one
///   producer with a wrong clock (or a 9999-12-31 placeholder) must not move the daemon's clock
///   for good, release every deferred task and empty every window. `replay` runs on virtual
///   time and sets no ``latest``.
/// - An event that may turn out older than the engine's clock minus `limits.allowed_lateness`
///   keeps its original text (``DecodedItem/eventWithText(_:line:text:)``): the engine, not the
///   reader, decides whether it is applied, and one that is not goes verbatim to
///   `rejected/<file>.late.jsonl`. Only a candidate pays for the copy.
public struct EventTimeLimits: Sendable, Hashable {
    /// The wall clock when the file was opened and `limits.max_future_skew`: an event later
    /// than their sum is rejected. Nil: no limit (`replay` runs on virtual time).
    public var future: FutureLimit?
    /// The later of the engine's clock when the file was opened and the times of the file's
    /// events decoded so far: the clock can be no later than this when an event is applied,
    /// since within one file only the file's own events move it. Nil before any time is known.
    public var clockBound: Timestamp?
    /// How far behind the clock an event may be and still be applied; nil keeps no text.
    public var allowedLateness: TimeSpan?
    /// Every event keeps its original text, not only a late candidate: what a node appends to
    /// the cluster's event log, which keeps each producer's line as it came (decision 0018 §1).
    /// Off for `replay` and a daemon without the log: they pay for no copy they do not need.
    public var keepsEveryText = false

    public struct FutureLimit: Sendable, Hashable {
        public var wallClock: Timestamp
        public var maxSkew: TimeSpan
        var latest: Timestamp { wallClock + maxSkew }
    }

    /// No limit and no text kept: what readers that do not judge time use.
    public static let none = EventTimeLimits()

    public init(future: FutureLimit? = nil, clock: Timestamp? = nil, allowedLateness: TimeSpan? = nil) {
        self.future = future
        self.clockBound = clock
        self.allowedLateness = allowedLateness
    }

    /// Limits for a daemon: `wallClock + maxFutureSkew` is the latest accepted time.
    public static func daemon(wallClock: Timestamp, maxFutureSkew: TimeSpan, clock: Timestamp?, allowedLateness: TimeSpan)
        -> EventTimeLimits
    {
        EventTimeLimits(future: FutureLimit(wallClock: wallClock, maxSkew: maxFutureSkew), clock: clock,
            allowedLateness: allowedLateness)
    }

    /// What a decoded event becomes: rejected when too far ahead, kept with its text when it
    /// may be too late, else a plain event. Moves ``clockBound``.
    mutating func judge(_ event: Event, line: Int, text: UnsafeBufferPointer<UInt8>) -> DecodedItem {
        if let future, event.time > future.latest {
            return .rejected(
                EventRejection(line: line, error: future.message(for: event.time), rawBytes: text, kind: .future))
        }
        defer { if clockBound.map({ event.time > $0 }) ?? true { clockBound = event.time } }
        if keepsEveryText || mayBeLate(event.time) {
            return .eventWithText(event, line: line, text: Array(text))
        }
        return .event(event, line: line)
    }

    /// Whether an event at `time` may be older than the clock minus the allowed lateness when
    /// it is applied (the clock can be no later than ``clockBound`` then).
    private func mayBeLate(_ time: Timestamp) -> Bool {
        guard let allowedLateness, let clockBound else { return false }
        return time < clockBound - allowedLateness
    }
}

extension EventTimeLimits.FutureLimit {
    func message(for time: Timestamp) -> String {
        "time \(time.rfc3339) is more than \(maxSkew) ahead of the wall clock (\(wallClock.rfc3339) when the file "
            + "was read; limits.max_future_skew): fix the producer's clock, or raise the limit if such times are expected"
    }
}
