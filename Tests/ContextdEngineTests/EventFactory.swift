import ContextdEvents

/// Builds events for engine tests without JSON noise: `event("page.view", "u1", "10:00", ["page": "/a"])`.
enum EventFactory {
    nonisolated(unsafe) private static var counter = 0

    /// `time` is `HH:mm` or `HH:mm:ss` on 2026-11-22, or a full RFC 3339 time.
    static func event(
        _ type: String, _ subject: String, _ time: String, _ data: [String: Value] = [:], id: String? = nil,
        source: String = "test"
    ) -> Event {
        counter += 1
        let text = time.count <= 8 ? "2026-11-22T\(time.count == 5 ? time + ":00" : time)Z" : time
        guard let timestamp = Timestamp(rfc3339: text) else { fatalError("bad test time \(time)") }
        return Event(
            id: id ?? "e\(counter)", source: source, type: type, subject: subject, time: timestamp, kind: .data,
            data: .object(data), attributes: [:])
    }

    static func time(_ text: String) -> Timestamp {
        Timestamp(rfc3339: text.count <= 8 ? "2026-11-22T\(text.count == 5 ? text + ":00" : text)Z" : text)!
    }
}
